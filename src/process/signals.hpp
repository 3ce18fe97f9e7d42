// Signals: which ones fanout reads instead of letting them act, blocking them, and
// reading them from a signalfd.
#pragma once

#include "fd.hpp"

#include <csignal>
#include <vector>

namespace fanout {

// The signals fanout reads from its inbox: SIGCHLD, SIGTSTP, SIGCONT, and every signal
// whose default action would end fanout (so that none can end it and leave its jobs
// running), but KILL and STOP (they cannot be caught), the faults SEGV, BUS, FPE, ILL,
// TRAP, SYS and ABRT (raised by what fanout itself did: they must act at once) and
// PIPE (ignored: a reader that went away shows as a write error).
std::vector<int> inbox_signals();

// While alive, the inbox signals are blocked and arrive on fd(), but those that were
// ignored when fanout started: those stay ignored, as make and ninja leave them, and
// the jobs inherit that (nohup, a script's `&`). SIGCHLD is set to its default action
// (ignored, the kernel would reap our children behind our back), SIGPIPE is ignored (a
// closed pipe is an error return, not a death). Restores all three.
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

    // The set of signals children must start with at their default disposition: those
    // fanout changed for itself, but not one its own caller had ignored.
    static const sigset_t& defaults_for_children();

private:
    sigset_t m_old_mask{};
    struct sigaction m_old_pipe {};
    struct sigaction m_old_child {};
    Fd m_fd;
};

// Stops this process (SIGSTOP) until someone sends SIGCONT.
void stop_self();

// Dies by `signal` as if never caught, so the parent (shell, make) sees it; without a
// core dump, which would describe nothing but a deliberate exit.
[[noreturn]] void die_by_signal(int signal);

} // namespace fanout
