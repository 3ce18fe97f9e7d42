// Runner: the seam between the scheduler, which decides what runs when, and what runs
// it (processes here, on ssh hosts, or a fake in tests). Only closed types cross it:
// no errno, no wait status, no descriptor.
#pragma once

#include "duration.hpp"
#include "job_command.hpp"
#include "resource_limits.hpp"
#include "resource_usage.hpp"
#include "stream.hpp"
#include "waitable.hpp"

#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// What became of Runner::start(): the job runs, or why it does not.
struct StartResult {
    enum class Kind {
        started,
        not_found,        // no such program: exit 127, as a shell's
        cannot_execute,   // the program is there but would not run (`reason`)
        bad_workdir,      // its working directory is missing or closed to us (`reason`)
        no_remote_stdin,  // a remote job cannot be given standard input
        out_of_resources, // we ran out of `shortage`: it may pass when a job ends
        host_gone,        // the slot's host is down, and so is the slot: run it in another
    };
    Kind kind = Kind::started;
    std::string reason;
    Shortage shortage = Shortage::processes;

    [[nodiscard]] static StartResult failed(Kind kind, std::string reason = {})
    {
        return {kind, std::move(reason)};
    }
    [[nodiscard]] static StartResult short_of(Shortage shortage)
    {
        return {Kind::out_of_resources, {}, shortage};
    }
    [[nodiscard]] bool started() const { return kind == Kind::started; }
};

// The line that tells why job `seq` (`command`) did not start, and the exit code it
// counts with: 127 when not found, else 126. Not for started or host_gone.
[[nodiscard]] std::string not_started_message(std::uint64_t seq, const Command& command,
                                              const StartResult& result);
[[nodiscard]] int not_started_exit_code(const StartResult& result);

// Slots shared out among hosts (or nodes) in order: `first_slots` holds each host's
// first slot (1-based), then one past the last. The host that owns `slot`, if any.
[[nodiscard]] std::optional<std::size_t> slot_owner(const std::vector<std::size_t>& first_slots,
                                                    std::size_t slot);

// How a job ended: its exit code, the signal that killed it, and what it used.
struct JobExit {
    int exit_code = 0; // 128+signal when killed, as shells report it
    int signal = 0;    // 0 when it exited
    ResourceUsage usage;

    [[nodiscard]] static JobExit exited(int code) { return {code, 0, {}}; }
    [[nodiscard]] static JobExit killed(int signal) { return {128 + signal, signal, {}}; }
};

// What Runner::wait() reports, as it happens.
class ProcessEvents {
public:
    virtual ~ProcessEvents() = default;
    virtual void on_output(std::uint64_t id, Stream stream, std::string_view data) = 0;
    virtual void on_exit(std::uint64_t id, const JobExit& exit) = 0;
    // The job ended because the host it ran on went away: it did not get to finish,
    // and may run again elsewhere.
    virtual void on_lost(std::uint64_t id) = 0;
    virtual void on_signal(int signal) = 0;
    // A child started with a fed stdin took everything given so far and its stdin is
    // still open: it can take more.
    virtual void on_input_drained(std::uint64_t /*id*/) {}
};

// What runs commands for the scheduler: local processes, or a fake in tests.
class Runner {
public:
    virtual ~Runner() = default;
    // Starts `command` as job `seq` in `slot`.
    virtual StartResult start(std::uint64_t seq, const Command& command, std::size_t slot) = 0;
    // Blocks until something happens to a job, a signal arrives, one of `also` (input,
    // a jobserver token, room in our stdout) is ready, or `timeout` passed; tells each
    // of `also` what its poll found.
    virtual void wait(ProcessEvents& events, std::span<Waitable* const> also,
                      std::optional<Millis> timeout) = 0;
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
