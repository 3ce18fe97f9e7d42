#include "sink.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>

namespace fanout {

namespace {

// One sendfile call moves at most this much, so one flush returns to the loop soon.
constexpr std::size_t k_max_sendfile = 1024 * 1024;
constexpr std::size_t k_chunk = 64 * 1024;

// A descriptor of our own, O_NONBLOCK, on the same pipe or terminal as `fd`; invalid
// when the system will not give one (no /proc, another user's pipe, no reader).
Fd reopen_nonblocking(int fd)
{
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    return Fd(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
}

} // namespace

Sink::Sink(int fd, const char* name, MemoryBudget& budget) : m_fd(fd), m_name(name), m_budget(&budget)
{
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        return; // writes will say what is wrong
    }
    m_dev = status.st_dev;
    m_ino = status.st_ino;
    bool pipe_like = S_ISFIFO(status.st_mode) || (S_ISCHR(status.st_mode) && ::isatty(fd));
    if (S_ISSOCK(status.st_mode)) {
        m_kind = Kind::socket;
    } else if (pipe_like && (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0) {
        m_kind = Kind::nonblocking; // the caller's choice already
    } else if (pipe_like) {
        m_own = reopen_nonblocking(fd);
        m_kind = m_own ? Kind::nonblocking : Kind::chunked;
        m_fd = m_own ? m_own.get() : fd;
    }
}

void Sink::write(std::string_view data)
{
    m_queued += data.size();
    if (m_queue.empty()) {
        while (!data.empty()) {
            std::size_t n = put(data);
            if (n == 0) {
                break;
            }
            data.remove_prefix(n);
        }
        if (data.empty()) {
            return;
        }
        m_queue.emplace_back(*m_budget);
    }
    m_queue.back().append(data);
}

void Sink::write(OutputBuffer buffer)
{
    if (buffer.empty()) {
        return;
    }
    m_queued += buffer.size();
    if (m_queue.empty() && buffer.drain(*this)) {
        return;
    }
    m_queue.push_back(std::move(buffer));
}

bool Sink::flush()
{
    while (!m_queue.empty()) {
        if (!m_queue.front().drain(*this)) {
            return false;
        }
        m_queue.pop_front();
    }
    return true;
}

// What one write call did: bytes taken, 0 for "not now"; the reader's leaving and
// real errors are thrown.
std::size_t Sink::checked(ssize_t n)
{
    if (n >= 0) {
        m_written += static_cast<std::size_t>(n);
        return static_cast<std::size_t>(n);
    }
    if (errno == EAGAIN || errno == EINTR) {
        return 0;
    }
    if (errno == EPIPE) {
        throw BrokenPipe();
    }
    throw Error(os_error(std::string("write to ") + m_name));
}

bool Sink::writable_now() const
{
    pollfd p{m_fd, POLLOUT, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & POLLOUT) != 0;
}

std::size_t Sink::put(std::string_view data)
{
    switch (m_kind) {
    case Kind::socket:
        return checked(::send(m_fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL));
    case Kind::chunked:
        // A blocking pipe with room takes PIPE_BUF bytes at once without waiting.
        if (!writable_now()) {
            return 0;
        }
        return checked(::write(m_fd, data.data(), std::min<std::size_t>(data.size(), PIPE_BUF)));
    case Kind::file:
    case Kind::nonblocking:
        break;
    }
    return checked(::write(m_fd, data.data(), data.size()));
}

std::size_t Sink::put_file(int file, off_t offset, std::size_t size)
{
    if (m_kind == Kind::file || m_kind == Kind::nonblocking) {
        off_t at = offset;
        ssize_t n = ::sendfile(m_fd, file, &at, std::min(size, k_max_sendfile));
        if (n >= 0 || errno != EINVAL) {
            return checked(n);
        }
        // EINVAL: this pair cannot sendfile; copy through memory instead.
    }
    std::string chunk(std::min(size, k_chunk), '\0');
    ssize_t n = ::pread(file, chunk.data(), chunk.size(), offset);
    if (n <= 0) {
        throw Error(os_error("reading back held output"));
    }
    return put(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
}

} // namespace fanout
