// ProcessSet: the running children, and the one place that waits for them: their
// output, their exits, and the signals sent to fanout.
#pragma once

#include "process.hpp"
#include "signals.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fanout {

// What ProcessSet::wait() reports, as it happens.
class ProcessEvents {
public:
    virtual ~ProcessEvents() = default;
    virtual void on_output(std::uint64_t id, Stream stream, std::string_view data) = 0;
    virtual void on_exit(std::uint64_t id, const ExitInfo& exit) = 0;
    virtual void on_signal(int signal) = 0;
};

class ProcessSet {
public:
    ProcessSet();
    ProcessSet(const ProcessSet&) = delete;
    ProcessSet& operator=(const ProcessSet&) = delete;
    // Terminates (SIGTERM, then SIGKILL) and reaps every child still running.
    ~ProcessSet();

    // Starts a child known by `id`; returns 0 or the spawn errno.
    int start(std::uint64_t id, SpawnRequest request);

    // Blocks until children wrote output or exited, a signal came, or `extra_fd`
    // (when >= 0) became readable; reports what happened to `events`.
    void wait(ProcessEvents& events, int extra_fd);

    // Sends `signal` to the process group of every running child.
    void signal_all(int signal);

    // fanout is stopping: sends `signal` to every child's process group, and from now on
    // sends SIGTERM to the group of each child that exits, so that the processes it
    // left behind (which may ignore SIGINT, as background jobs of sh do) go too.
    void stop(int signal);

    [[nodiscard]] std::size_t running() const { return m_children.size(); }

private:
    struct Child {
        std::uint64_t id;
        Process process;
    };

    void read_pipe(Child& child, Stream stream, ProcessEvents& events);
    void drain_pipes(Child& child, ProcessEvents& events);
    void reap(ProcessEvents& events);
    void terminate_all();

    SignalInbox m_signals;
    Fd m_dev_null;
    std::vector<Child> m_children;
    std::vector<char> m_buffer;
    bool m_stopping = false;
};

} // namespace fanout
