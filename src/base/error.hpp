// Error types: the one exception main() catches, and the check for OS calls.
#pragma once

#include <stdexcept>
#include <string>

namespace fanout {

// A problem the user must fix (bad option, unreadable file, bad template). main()
// prints "fanout: error: <what>" and exits with k_exit_error.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Our stdout went away (reader closed the pipe): stop quietly, die by SIGPIPE.
class BrokenPipe : public std::exception {
public:
    const char* what() const noexcept override { return "broken pipe"; }
};

// "CALL: strerror(errno)" for an OS call that failed.
[[nodiscard]] std::string os_error(const std::string& call);
[[nodiscard]] std::string os_error(const std::string& call, int errnum);

// Throws Error(os_error(call)) when result is negative. For calls that can only fail
// when the system is broken or out of resources.
template <typename T> T check_os(T result, const char* call)
{
    if (result < 0) {
        throw Error(os_error(call));
    }
    return result;
}

} // namespace fanout
