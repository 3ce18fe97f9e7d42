// Signals: blocking the signals fanout waits for, and reading them from a signalfd.
#pragma once

#include "fd.hpp"

#include <csignal>
#include <vector>

namespace fanout {

// While alive, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGTSTP and SIGCONT are blocked and
// arrive on fd();
// SIGPIPE is ignored (a closed pipe is an error return, not a death). Restores both.
class SignalInbox {
public:
    SignalInbox();
    SignalInbox(const SignalInbox&) = delete;
    SignalInbox& operator=(const SignalInbox&) = delete;
    ~SignalInbox();

    [[nodiscard]] int fd() const { return m_fd.get(); }

    // Reads every pending signal; returns those other than SIGCHLD, in order (SIGCHLD
    // only wakes the reader).
    std::vector<int> drain();

    // The set of signals children must start with at their default disposition.
    static const sigset_t& defaults_for_children();

private:
    sigset_t m_old_mask{};
    struct sigaction m_old_pipe {};
    Fd m_fd;
};

// Stops this process (SIGSTOP) until someone sends SIGCONT.
void stop_self();

// Dies by `signal` as if never caught, so the parent (shell, make) sees it.
[[noreturn]] void die_by_signal(int signal);

} // namespace fanout
