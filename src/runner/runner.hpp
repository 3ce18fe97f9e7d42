// Runner: the seam between the scheduler, which decides what runs when, and what runs
// it (processes here, on ssh hosts, or a fake in tests).
#pragma once

#include "duration.hpp"
#include "job_command.hpp"
#include "stream.hpp"

#include <poll.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// How a child ended: its wait status and resource usage.
struct ExitInfo {
    int status = 0;
    struct rusage usage {};
    bool host_lost = false; // it ran on a host whose connection went: run it elsewhere

    [[nodiscard]] bool signaled() const;
    [[nodiscard]] int exit_code() const; // 128+signal when killed, as shells report it
    [[nodiscard]] int signal() const;    // 0 when it exited
};

// What ProcessSet::wait() reports, as it happens.
class ProcessEvents {
public:
    virtual ~ProcessEvents() = default;
    virtual void on_output(std::uint64_t id, Stream stream, std::string_view data) = 0;
    virtual void on_exit(std::uint64_t id, const ExitInfo& exit) = 0;
    virtual void on_signal(int signal) = 0;
    // A child started with a fed stdin took everything given so far and its stdin is
    // still open: it can take more.
    virtual void on_input_drained(std::uint64_t /*id*/) {}
};

// What runs commands for the scheduler: local processes, or a fake in tests.
class Runner {
public:
    virtual ~Runner() = default;
    // Starts `command` as job `seq` in `slot`; returns 0 or an errno (ENOENT: not found;
    // EHOSTDOWN: the slot's host is gone, and so is the slot).
    virtual int start(std::uint64_t seq, const Command& command, std::size_t slot) = 0;
    // Blocks until something happens to a job, a signal arrives, one of `watches` (input,
    // jobserver, our stdout) is ready for its events or `timeout` passed; sets the
    // watches' revents.
    virtual void wait(ProcessEvents& events, std::vector<pollfd>& watches, std::optional<Millis> timeout) = 0;
    // More for the stdin of a job started with Command::stream_input; `last` closes it.
    virtual void feed(std::uint64_t /*seq*/, std::shared_ptr<const std::string> /*data*/, bool /*last*/) {}
    // Runs the termination sequence on one job.
    virtual void terminate(std::uint64_t seq, const TermSeq& termseq) = 0;
    // Stops every job: `first` (if not 0), then the sequence, also on what they leave.
    virtual void stop(int first, const TermSeq& termseq) = 0;
    // SIGKILL to every job, and to what the jobs being terminated left behind.
    virtual void kill_all() = 0;
    virtual void signal_all(int signal) = 0;
    // SIGTSTP: stops every job, then fanout itself until SIGCONT.
    virtual void suspend() { signal_all(SIGTSTP); }
    // Whether a termination sequence is still under way, also on what an ended job left
    // behind: the run is not over until it is done.
    [[nodiscard]] virtual bool terminating() const { return false; }
    // The host that runs the jobs of `slot`, as reports name it (":" is this machine).
    [[nodiscard]] virtual std::string host_of(std::size_t /*slot*/) const { return ":"; }
};

} // namespace fanout
