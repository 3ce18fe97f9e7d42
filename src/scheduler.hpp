// Scheduler: decides which job runs when, in which slot, and what the run's outcome
// is. It starts jobs through a Runner and never sees a descriptor.
#pragma once

#include "batcher.hpp"
#include "command_template.hpp"
#include "job_command.hpp"
#include "output.hpp"
#include "process_set.hpp"

#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace fanout {

// What runs commands for the scheduler: local processes, or a fake in tests.
class Runner {
public:
    virtual ~Runner() = default;
    // Starts `command` as job `seq` in `slot`; returns 0 or an errno (ENOENT: not found).
    virtual int start(std::uint64_t seq, const Command& command, std::size_t slot) = 0;
    // Blocks until something happens to a job, a signal arrives, or input_fd is readable.
    virtual void wait(ProcessEvents& events, int input_fd) = 0;
    // Stops every job: `signal` to each, then SIGTERM to what each leaves behind.
    virtual void stop(int signal) = 0;
    virtual void kill_all() = 0;
};

struct RunResult {
    std::size_t failed = 0;
    std::size_t succeeded = 0;
    int signal = 0; // the signal that stopped the run, 0 if none
};

class Scheduler : private ProcessEvents {
public:
    Scheduler(Batcher& batcher, const JobCommand& commands, Runner& runner, Output& output,
              std::size_t max_jobs, bool verbose);

    // Runs every job; returns when all have ended or a signal stopped the run.
    RunResult run();

private:
    void start_jobs();
    void start_job(const JobSpec& job);
    void fail_to_start(const JobSpec& job, const CannotRun& why);
    std::size_t take_slot();

    void on_output(std::uint64_t seq, Stream stream, std::string_view data) override;
    void on_exit(std::uint64_t seq, const ExitInfo& exit) override;
    void on_signal(int signal) override;

    Batcher& m_batcher;
    const JobCommand& m_commands;
    Runner& m_runner;
    Output& m_output;
    std::size_t m_max_jobs;
    bool m_verbose;

    std::unordered_map<std::uint64_t, std::size_t> m_slot_of; // running jobs
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> m_free_slots;
    std::size_t m_slots_made = 0;
    bool m_input_ended = false;
    bool m_waiting_for_input = false;
    RunResult m_result;
    JobSpec m_job; // reused for every job read
};

} // namespace fanout
