// SlurmRunner: runs the jobs over a Slurm allocation. On each node one long-lived job
// step (`srun --overlap -N1 -n1 -w NODE fanout --slurm-worker`) runs them, so a job
// costs a message instead of a step's creation in slurmctld, and still runs inside
// Slurm's step: its cgroup, its accounting, its clean-up. A node whose step ends is
// marked down and its jobs come back to the scheduler as lost, to run on the others.
#pragma once

#include "allocation.hpp"
#include "aux_process.hpp"
#include "frame_link.hpp"
#include "job_count.hpp"
#include "local_runner.hpp"
#include "output.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace fanout {

struct SlurmSetup {
    std::size_t cpus_per_task = 1; // --cpus-per-task: CPUs each job is counted for
    std::string worker_program;    // this fanout, at the same path on every node
    std::string srun = "srun";
};

class SlurmRunner : public Runner {
public:
    // Starts a worker on every node; `jobs` (-j) applies to each node's CPUs (divided by
    // cpus_per_task). Throws Error when no node has a slot.
    SlurmRunner(SlurmAllocation allocation, SlurmSetup setup, const std::optional<JobCount>& jobs,
                Output& output);
    SlurmRunner(const SlurmRunner&) = delete;
    SlurmRunner& operator=(const SlurmRunner&) = delete;
    // Hangs up on the workers, which stop what still runs and end their steps; a step
    // that does not end in time is cancelled.
    ~SlurmRunner() override;

    [[nodiscard]] std::size_t slots() const { return m_first_slot.back() - 1; }

    StartResult start(std::uint64_t seq, const Command& command, std::size_t slot) override;
    void wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout) override;
    void terminate(std::uint64_t seq, const TermSeq& termseq) override;
    void stop(int first, const TermSeq& termseq) override;
    void kill_all() override;
    void signal_all(int signal) override;
    // Ctrl-Z: the jobs on the nodes stop, then fanout itself, as a local run does.
    void suspend() override;
    [[nodiscard]] std::string host_of(std::size_t slot) const override;

private:
    struct Worker {
        SlurmNode node;
        std::unique_ptr<FrameLink> link;
        std::unique_ptr<AuxProcess> srun;
        std::string step; // JOBID.STEPID, once it said hello
        bool up = true;
        std::unordered_set<std::uint64_t> running;
    };

    void start_worker(Worker& worker);
    void send_all(const std::string& message);
    void hear(Worker& worker, ProcessEvents& events);
    void lose(Worker& worker, ProcessEvents& events, const std::string& why);

    Output& m_output;
    SlurmSetup m_setup;
    std::filesystem::path m_cwd; // ours, where the jobs start (empty: unknown)
    LocalRunner m_local{false};  // runs nothing: its wait() watches the signals and `also`
    std::vector<Worker> m_workers;
    std::vector<std::size_t> m_first_slot; // per node: its first slot (1-based), then the end
    std::unordered_map<std::uint64_t, std::size_t> m_job_node;
    bool m_stopping = false;
};

} // namespace fanout
