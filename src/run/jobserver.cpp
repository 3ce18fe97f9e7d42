#include "jobserver.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace fanout {

namespace {

bool parse_fd_pair(std::string_view text, JobserverAuth& auth)
{
    std::size_t comma = text.find(',');
    if (comma == std::string_view::npos) {
        return false;
    }
    auto parse = [](std::string_view t, int& v) {
        auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        return !t.empty() && ec == std::errc() && ptr == t.data() + t.size();
    };
    return parse(text.substr(0, comma), auth.read_fd) && parse(text.substr(comma + 1), auth.write_fd);
}

bool is_pipe_or_fifo(int fd)
{
    struct stat st {};
    return ::fcntl(fd, F_GETFD) >= 0 && ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

// A file description of our own for an inherited pipe end, so that O_NONBLOCK does not
// change it for make and the other recipes that share it.
Fd reopen(int fd, int flags)
{
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    return Fd(::open(path.c_str(), flags | O_CLOEXEC));
}

// make's own token byte, for the tokens of a pool we made.
constexpr char k_token = '+';

// The words of MAKEFLAGS that a pool we serve replaces: -j and the jobserver's name.
bool names_jobs_or_jobserver(std::string_view word)
{
    return word.starts_with("-j") || word.starts_with("--jobs") || word.starts_with("--jobserver-auth=") ||
           word.starts_with("--jobserver-fds=");
}

} // namespace

std::string served_makeflags(std::string_view inherited, std::size_t slots, const JobserverAuth& pool)
{
    // make's layout: the single-letter flags first (or nothing: the leading space says
    // "no letters"), then options, then " -- " and variables, which stay as they are.
    std::size_t first_end = std::min(inherited.find(' '), inherited.size());
    std::string_view letters = inherited.substr(0, first_end);
    if (letters.starts_with('-')) {
        letters = {};
        first_end = 0;
    }
    std::string flags =
        std::string(letters) + " -j" + std::to_string(slots) + " --jobserver-auth=fifo:" + pool.fifo +
        " --jobserver-auth=" + std::to_string(pool.read_fd) + "," + std::to_string(pool.write_fd);
    bool variables = false;
    for (std::size_t pos = first_end; pos < inherited.size();) {
        std::size_t end = std::min(inherited.find(' ', pos), inherited.size());
        std::string_view word = inherited.substr(pos, end - pos);
        pos = end + 1;
        variables = variables || word == "--";
        if (!word.empty() && (variables || !names_jobs_or_jobserver(word))) {
            flags += " ";
            flags += word;
        }
    }
    return flags;
}

MakeflagsJobserver parse_makeflags(std::string_view makeflags)
{
    MakeflagsJobserver result;
    std::size_t start = makeflags.find_first_not_of(' ');
    std::size_t first_end = makeflags.find(' ', start);
    std::string_view first =
        start == std::string_view::npos ? "" : makeflags.substr(start, first_end - start);
    // The first word holds the single-letter flags, unless it is already an option.
    result.dry_run = !first.starts_with('-') && first.find('=') == std::string_view::npos &&
                     first.find('n') != std::string_view::npos;
    std::size_t pos = 0;
    while (pos < makeflags.size()) {
        std::size_t end = makeflags.find(' ', pos);
        std::string_view word = makeflags.substr(pos, end == std::string_view::npos ? end : end - pos);
        pos = end == std::string_view::npos ? makeflags.size() : end + 1;
        for (std::string_view prefix : {"--jobserver-auth=", "--jobserver-fds="}) {
            if (!word.starts_with(prefix)) {
                continue;
            }
            std::string_view value = word.substr(prefix.size());
            JobserverAuth auth;
            result.problem.clear();
            if (value.starts_with("fifo:") && value.size() > 5) {
                auth.fifo = std::string(value.substr(5));
            } else if (!parse_fd_pair(value, auth) || auth.read_fd < 0 || auth.write_fd < 0) {
                result.auth.reset();
                result.problem = "MAKEFLAGS names an unusable jobserver '" + std::string(value) + "'";
                continue;
            }
            result.auth = auth;
        }
    }
    if (result.dry_run) {
        result.auth.reset();
    }
    return result;
}

std::optional<Jobserver> Jobserver::connect(const JobserverAuth& auth, std::string& warning)
{
    if (!auth.fifo.empty()) {
        Fd read(::open(auth.fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        Fd write(::open(auth.fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        if (!read || !write) {
            warning = "jobserver FIFO " + auth.fifo + ": " + std::strerror(errno) + "; running without it";
            return std::nullopt;
        }
        if (!is_pipe_or_fifo(read.get())) { // a regular file would hand out its bytes forever
            warning = "jobserver FIFO " + auth.fifo + " is not a FIFO; running without it";
            return std::nullopt;
        }
        return Jobserver(std::move(read), std::move(write));
    }
    if (!is_pipe_or_fifo(auth.read_fd) || !is_pipe_or_fifo(auth.write_fd)) {
        warning = "MAKEFLAGS names jobserver descriptors " + std::to_string(auth.read_fd) + "," +
                  std::to_string(auth.write_fd) +
                  " that are not open pipes (mark the make recipe with '+'); running without the jobserver";
        return std::nullopt;
    }
    Fd read = reopen(auth.read_fd, O_RDONLY | O_NONBLOCK);
    Fd write = reopen(auth.write_fd, O_WRONLY);
    if (!read || !write) {
        warning =
            std::string("cannot open the jobserver pipe: ") + std::strerror(errno) + "; running without it";
        return std::nullopt;
    }
    return Jobserver(std::move(read), std::move(write));
}

Jobserver::~Jobserver()
{
    while (!m_tokens.empty() && m_write) {
        release();
    }
}

bool Jobserver::try_acquire()
{
    char token = 0;
    ssize_t n;
    do {
        n = ::read(m_read.get(), &token, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) {
        return false; // EAGAIN: none free now
    }
    m_tokens.push_back(token);
    return true;
}

std::size_t Jobserver::reclaim_lost()
{
    int queued = 0;
    if (!m_pool_tokens || ::ioctl(m_read.get(), FIONREAD, &queued) != 0) {
        return 0;
    }
    std::size_t expected = *m_pool_tokens - std::min(*m_pool_tokens, held());
    auto in_pool = static_cast<std::size_t>(queued);
    std::size_t put_back = 0;
    for (; in_pool < expected; ++in_pool, ++put_back) {
        if (::write(m_write.get(), &k_token, 1) != 1) {
            break; // the FIFO is full: more tokens than a pipe holds were asked for
        }
    }
    char extra = 0;
    while (in_pool > expected && ::read(m_read.get(), &extra, 1) == 1) {
        --in_pool;
    }
    return put_back;
}

void Jobserver::release()
{
    if (m_tokens.empty()) {
        return;
    }
    char token = m_tokens.back();
    ssize_t n;
    do {
        n = ::write(m_write.get(), &token, 1);
    } while (n < 0 && errno == EINTR);
    m_tokens.pop_back(); // even when make is gone (EPIPE): nobody is left to give it to
}

} // namespace fanout
