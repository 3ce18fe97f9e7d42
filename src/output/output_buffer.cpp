#include "output_buffer.hpp"

#include "error.hpp"
#include "temp_file.hpp"
#include "write_all.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace fanout {

namespace {

// Writes all of data at `offset`; false (errno set) when the file takes no more.
bool pwrite_all(int fd, std::string_view data, off_t offset)
{
    while (!data.empty()) {
        ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            errno = n == 0 ? ENOSPC : errno;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
        offset += n;
    }
    return true;
}

// A blocking descriptor as a Destination: takes everything, waiting if it must.
class BlockingFd : public Destination {
public:
    BlockingFd(int fd, const char* what) : m_fd(fd), m_what(what) {}

    std::size_t put(std::string_view data) override
    {
        write_all(m_fd, data, m_what);
        return data.size();
    }

    std::size_t put_file(int file, off_t offset, std::size_t size) override
    {
        std::string chunk(std::min<std::size_t>(size, 64 * 1024), '\0');
        ssize_t n = ::pread(file, chunk.data(), chunk.size(), offset);
        if (n <= 0) {
            throw Error(os_error("reading back held output"));
        }
        return put(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
    }

private:
    int m_fd;
    const char* m_what;
};

} // namespace

OutputBuffer::OutputBuffer(OutputBuffer&& other) noexcept
    : m_budget(other.m_budget), m_file(std::move(other.m_file)),
      m_file_read(std::exchange(other.m_file_read, 0)), m_file_size(std::exchange(other.m_file_size, 0)),
      m_memory(std::move(other.m_memory)), m_memory_read(std::exchange(other.m_memory_read, 0))
{
    other.m_memory.clear();
}

OutputBuffer& OutputBuffer::operator=(OutputBuffer&& other) noexcept
{
    if (this != &other) {
        release_memory();
        m_budget = other.m_budget;
        m_file = std::move(other.m_file);
        m_file_read = std::exchange(other.m_file_read, 0);
        m_file_size = std::exchange(other.m_file_size, 0);
        m_memory = std::move(other.m_memory);
        m_memory_read = std::exchange(other.m_memory_read, 0);
        other.m_memory.clear();
    }
    return *this;
}

OutputBuffer::~OutputBuffer()
{
    release_memory();
}

void OutputBuffer::release_memory()
{
    m_budget->used -= m_memory.size();
    m_memory.clear();
    m_memory_read = 0;
    bool worth_keeping = m_memory.capacity() >= 64 * 1024 && m_memory.capacity() <= 2 * m_budget->per_buffer;
    if (worth_keeping && m_budget->spare.size() < MemoryBudget::k_max_spare) {
        m_budget->spare.push_back(std::move(m_memory));
    }
    m_memory = std::string();
}

bool OutputBuffer::over_share(std::size_t more) const
{
    return m_memory.size() + more > m_budget->per_buffer || m_budget->used + more > m_budget->limit;
}

void OutputBuffer::append(std::string_view data)
{
    if (data.empty()) {
        return;
    }
    if (memory_left() == 0 && m_memory.size() > 0) {
        release_memory(); // all of it was taken: start afresh
    }
    // Once in a file, the rest follows it there (unless the file failed before).
    bool to_file = (m_file && memory_left() == 0) || over_share(data.size());
    if (to_file && spill(data)) {
        return;
    }
    if (m_memory.capacity() < m_memory.size() + data.size() && !m_budget->spare.empty() && m_memory.empty()) {
        m_memory = std::move(m_budget->spare.back()); // emptied, with its capacity kept
        m_budget->spare.pop_back();
    }
    m_memory += data;
    m_budget->used += data.size();
}

// Moves what memory holds, then `data`, to the end of the temp file (made now if
// need be). On failure nothing moved is lost: the caller keeps `data` in memory.
bool OutputBuffer::spill(std::string_view data)
{
    if (!m_file) {
        m_file = try_open_temp_file();
        if (!m_file) {
            int error = errno;
            m_budget->spill_problem =
                os_error("cannot create a temp file in " + temp_dir() + " to hold job output", error);
            return false;
        }
    }
    std::string_view held = std::string_view(m_memory).substr(m_memory_read);
    if (!held.empty()) {
        if (!pwrite_all(m_file.get(), held, m_file_size)) {
            m_budget->spill_problem = os_error("cannot hold job output in " + temp_dir());
            return false;
        }
        m_file_size += static_cast<off_t>(held.size());
        release_memory();
    }
    if (!pwrite_all(m_file.get(), data, m_file_size)) {
        m_budget->spill_problem = os_error("cannot hold job output in " + temp_dir());
        return false;
    }
    m_file_size += static_cast<off_t>(data.size());
    m_budget->spill_problem.clear();
    return true;
}

bool OutputBuffer::drain(Destination& to)
{
    while (m_file_read < m_file_size) {
        std::size_t n =
            to.put_file(m_file.get(), m_file_read, static_cast<std::size_t>(m_file_size - m_file_read));
        if (n == 0) {
            return false;
        }
        m_file_read += static_cast<off_t>(n);
    }
    if (m_file && m_file_read == m_file_size) {
        m_file.reset(); // its space goes back to the disk now
        m_file_read = m_file_size = 0;
    }
    while (memory_left() > 0) {
        std::size_t n = to.put(std::string_view(m_memory).substr(m_memory_read));
        if (n == 0) {
            return false;
        }
        m_memory_read += n;
    }
    release_memory();
    return true;
}

void OutputBuffer::write_to(int fd, const char* what)
{
    BlockingFd to(fd, what);
    drain(to);
}

} // namespace fanout
