#include "held_command.hpp"

#include "error.hpp"
#include "exit_codes.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace fanout {

int run_held_command(const std::vector<std::string>& argv)
{
    // A SIGCHLD we inherited as ignored would reap the command before we could wait.
    ::signal(SIGCHLD, SIG_DFL);
    std::vector<char*> pointers;
    for (const auto& arg : argv) {
        pointers.push_back(const_cast<char*>(arg.c_str())); // execv() does not change them
    }
    pointers.push_back(nullptr);
    pid_t pid = check_os(::fork(), "fork");
    if (pid == 0) {
        ::execv(pointers[0], pointers.data());
        ::_exit(k_exit_command_not_found); // the caller checked that argv[0] can run
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw Error(os_error("waitpid"));
        }
    }
    // As bash reports it, and as GNU sem --fg exits.
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

bool fork_holder()
{
    pid_t pid = check_os(::fork(), "fork");
    if (pid != 0) {
        return false;
    }
    ::setsid(); // cannot fail: the child of a fork is never a process group leader
    return true;
}

} // namespace fanout
