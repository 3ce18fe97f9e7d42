// ProcessSet: the running children, and the one place that waits for them: their
// output, their exits, and the signals sent to fanout.
#pragma once

#include "duration.hpp"
#include "process.hpp"
#include "signals.hpp"
#include "waitable.hpp"

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout {

class ProcessSet {
public:
    ProcessSet();
    ProcessSet(const ProcessSet&) = delete;
    ProcessSet& operator=(const ProcessSet&) = delete;
    // Terminates (SIGTERM, then SIGKILL) and reaps every child still running.
    ~ProcessSet();

    // Starts a child known by `id`; returns 0 or the spawn errno. With
    // request.feed_stdin, its stdin is a pipe that feed() fills.
    int start(std::uint64_t id, SpawnRequest request);

    // Queues `data` for the child's stdin; written as the child reads it. When
    // `last`, its stdin is closed once all is written. A child that exits or closes
    // its stdin early drops what is left: that is not an error.
    void feed(std::uint64_t id, std::shared_ptr<const std::string> data, bool last);

    // Blocks until children wrote output or exited, a signal came, one of `also` is
    // ready, or `timeout` passed; reports what happened to `events`, and last tells
    // `also` what its poll found.
    void wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout);

    // Sends `signal` to the process group of every running child.
    void signal_all(int signal);

    // SIGKILL to every group: the running children's and those still being terminated.
    void kill_all();

    // Runs `termseq` on the child's process group: each signal, then its wait unless
    // the whole group is gone. Continues on the group after the child itself exits.
    void terminate(std::uint64_t id, const TermSeq& termseq);

    // fanout is stopping: `first` (if not 0) to every child's group, then `termseq` on
    // every group, including those of children that exit from now on: a job's
    // background processes (which ignore SIGINT under sh) do not outlive the run.
    void stop(int first, const TermSeq& termseq);

    [[nodiscard]] std::size_t running() const { return m_children.size(); }

    // Whether wait() reads the children's output (on by default). Off, a job that writes
    // blocks once its pipe is full: the --slurm worker holds its jobs so while fanout has
    // not yet taken what they wrote, rather than keep it all in memory.
    void read_output(bool on) { m_reading = on; }

    // Whether some group is still going through its termination sequence, a running
    // child's or one whose child has exited; wait() takes its steps.
    [[nodiscard]] bool terminating() const;

    using Clock = std::chrono::steady_clock;

    // A process group being terminated: what is left of its sequence.
    struct Termination {
        pid_t group = 0;
        TermSeq steps;
        std::size_t next = 0;
        Clock::time_point due{};
    };

private:
    // What is still to be written to a child's stdin.
    struct Feed {
        std::deque<std::shared_ptr<const std::string>> queue;
        std::size_t offset = 0; // into queue.front()
        bool last = false;      // close once the queue is empty
    };

    struct Child {
        std::uint64_t id;
        Process process;
        std::optional<Termination> termination;
        Feed feed;
    };

    void write_input(Child& child, ProcessEvents& events);
    void read_pipe(Child& child, Stream stream, ProcessEvents& events);
    void drain_pipes(Child& child, ProcessEvents& events);
    void reap(ProcessEvents& events);
    void handle_polled(std::span<const pollfd> pipes, ProcessEvents& events);
    void terminate_all();
    void run_due_steps();
    [[nodiscard]] std::optional<Clock::time_point> next_step_due() const;

    SignalInbox m_signals;
    Fd m_dev_null;
    std::vector<Child> m_children;
    // Left uninitialised: zeroing 64 KiB would touch 16 pages at start-up that a job
    // writing a line never needs.
    std::unique_ptr<char[]> m_buffer;
    std::vector<std::pair<std::size_t, int>> m_polled; // per polled pipe: child index, which
    std::optional<TermSeq> m_stopping;                 // set once fanout is stopping
    std::vector<Termination> m_lingering;              // groups whose leader has exited
    bool m_reading = true;
};

} // namespace fanout
