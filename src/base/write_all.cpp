#include "write_all.hpp"

#include "error.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fanout {

std::string os_error(const std::string& call, int errnum)
{
    return call + ": " + std::strerror(errnum);
}

std::string os_error(const std::string& call)
{
    return os_error(call, errno);
}

void write_all(int fd, std::string_view data, const char* what)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n >= 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            // Someone handed us a non-blocking descriptor: wait until it drains.
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, -1);
            continue;
        }
        if (errno == EPIPE) {
            throw BrokenPipe();
        }
        throw Error(os_error(std::string("write to ") + what));
    }
}

} // namespace fanout
