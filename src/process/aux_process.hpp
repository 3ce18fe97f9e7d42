// AuxProcess: a helper program fanout runs for itself (an ssh master, `ssh -O exit`, a
// remote query, the perl co-process), not a job: started through Boost.Process in its own process group with
// the jobs' signal set-up, waited for without blocking the event loop, and killed with
// its group when dropped.
#pragma once

#include "fd.hpp"

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace boost::process {
class child;
} // namespace boost::process

namespace fanout {

// Where the helper's input comes from and its output goes. A socket as stdin makes a
// co-process spoken to both ways on one descriptor (PerlCoprocess).
struct AuxIo {
    int stdout_fd = -1;   // -1: /dev/null (or the capture pipe)
    int stderr_fd = -1;   // -1: /dev/null
    bool capture = false; // stdout into a pipe, collected in output()
    int stdin_fd = -1;    // -1: /dev/null
};

class AuxProcess {
public:
    using Clock = std::chrono::steady_clock;

    // Starts `argv` (argv[0] looked up in PATH). Never throws for a program that cannot
    // start: that one is done() at once with exit code 127.
    explicit AuxProcess(const std::vector<std::string>& argv, const AuxIo& io = {});
    AuxProcess(AuxProcess&&) noexcept;
    AuxProcess& operator=(AuxProcess&&) = delete;
    // SIGKILL to its process group if it still runs, then reaps it.
    ~AuxProcess();

    [[nodiscard]] bool started() const { return m_started; }
    [[nodiscard]] pid_t pid() const { return m_pid; }

    // Readable once it has exited (a pidfd), for the caller's poll(); -1 when the
    // kernel has no pidfd_open (before Linux 5.3): then poll() it now and then.
    [[nodiscard]] int exit_fd() const { return m_exit_fd.get(); }
    // The captured stdout while it is open, for the caller's poll(); else -1.
    [[nodiscard]] int output_fd() const { return m_output_fd.get(); }

    // Reads whatever captured output is there and reaps the helper if it has exited;
    // never blocks. Returns done().
    bool poll();
    [[nodiscard]] bool done() const { return m_done; }

    // Once done(): its exit status, 128+N when signal N killed it, 127 when it could
    // not start.
    [[nodiscard]] int exit_code() const { return m_exit_code; }
    [[nodiscard]] const std::string& output() const { return m_output; }

    // SIGKILL to its process group; it is done once reaped (poll() or a wait).
    void kill();

private:
    void read_output();

    std::unique_ptr<boost::process::child> m_child;
    pid_t m_pid = -1;
    Fd m_exit_fd;
    Fd m_output_fd;
    std::string m_output;
    int m_exit_code = 127;
    bool m_started = false;
    bool m_done = true;
};

// How a wait for helpers ended.
enum class AuxWaitEnd { done, deadline, interrupted };

struct AuxWaitResult {
    AuxWaitEnd end = AuxWaitEnd::done;
    int signal = 0; // when interrupted: the signal, taken from the pending ones
};

// Waits until every helper in `helpers` is done or `deadline` passes. When
// `interruptible`, it also ends as soon as a signal that stops a run (INT, TERM, HUP,
// QUIT and the others fanout's inbox reads, less CHLD, TSTP, CONT and USR1) is
// pending, and takes it. Leaves the helpers running when it ends early.
AuxWaitResult wait_for_all(const std::vector<AuxProcess*>& helpers, AuxProcess::Clock::time_point deadline,
                           bool interruptible);

// A signalfd, readable while one of the signals that stop a run (those of
// wait_for_all) is pending: for a blocking wait on a helper to poll beside its own fd.
Fd stop_signal_fd();

// fanout was asked to stop by `signal` while it waited for a helper (before its run
// began, or for the perl co-process); main() dies by it.
class Interrupted : public std::exception {
public:
    explicit Interrupted(int signal) : m_signal(signal) {}
    [[nodiscard]] int signal() const { return m_signal; }
    [[nodiscard]] const char* what() const noexcept override { return "interrupted"; }

private:
    int m_signal;
};

} // namespace fanout
