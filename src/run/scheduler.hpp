// Scheduler: decides which job runs when, in which slot, when it is retried, timed
// out or halted, and what the run's outcome is. It starts jobs through a Runner and
// never sees a descriptor.
#pragma once

#include "duration.hpp"
#include "halt.hpp"
#include "job_command.hpp"
#include "job_source.hpp"
#include "joblog.hpp"
#include "jobserver.hpp"
#include "output.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "system_gate.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace fanout {

// How jobs are controlled beyond "run them all".
struct JobControl {
    std::size_t max_jobs = 1;       // with a jobserver: the most it may ever run
    Jobserver* jobserver = nullptr; // each job past the first needs one of its tokens
    bool verbose = false;
    bool dry_run = false; // --dry-run: a job that skip() kept from running is shown too, as GNU's
    TimeoutSpec timeout;
    TermSeq termseq;
    std::size_t retries = 0; // --retries: the attempts a failing job gets in all (0 and 1 alike)
    Millis delay{0};
    HaltPolicy halt;
    SystemGate gate; // --load, --memfree
    // --resume / --resume-failed: what an earlier run's joblog says.
    std::optional<JobLogEntries> resume_from;
    bool resume_failed = false;
    std::optional<std::size_t> expected_jobs; // for progress and --halt N%, when known up front
    bool round_robin = false;                 // --pipe --round-robin: blocks go to long-running jobs
};

struct RunResult {
    std::size_t failed = 0;
    std::size_t succeeded = 0;
    int signal = 0;               // the signal that stopped the run, 0 if none
    std::optional<int> halt_exit; // the exit code --halt chose
    bool hosts_gone = false;      // every host went down before all jobs ran
};

class Scheduler : private ProcessEvents {
public:
    Scheduler(JobSource& jobs, const JobCommand& commands, Runner& runner, Output& output, Reports& reports,
              JobControl control);

    // Runs every job; returns when all have ended, or the run was halted or signalled,
    // and no termination sequence is still under way.
    RunResult run();

private:
    using Clock = std::chrono::steady_clock;
    // --timeout N% is measured against the median of this many recent runtimes.
    static constexpr std::size_t k_max_runtimes = 1001;
    // How far read_ahead() reads.
    static constexpr std::size_t k_max_ahead_jobs = 100000;
    static constexpr std::size_t k_max_ahead_bytes = 64 << 20;

    // A job between its start and its last attempt's end.
    struct Attempt {
        JobSpec spec;
        std::string command;
        std::size_t slot = 0;
        unsigned number = 1;
        Clock::time_point started;
        std::chrono::system_clock::time_point started_wall;
        std::optional<Clock::time_point> deadline;
        bool timed_out = false;
        std::uint64_t sent = 0;
        std::uint64_t bytes[2] = {0, 0};
        std::string captured[2];
        bool truncated[2] = {false, false};
    };

    // Why no job starts now; the loop waits for what would change that.
    enum class Hold {
        none,               // nothing: jobs start while there are any
        slots_full,         // -j jobs run: wait for one to end
        token_pending,      // make has no jobserver token free: wait for one
        input_pending,      // the next job's input has not come: wait for it
        gate_closed,        // --load or --memfree: look again in a while
        short_of_resources, // a spawn found no process or descriptor: wait for a job to end
        output_congested,   // held output is past its memory: wait for it to drain
        delay,              // --delay since the last start: wait for it to pass
    };
    // Whether more jobs can come: from the input, or only retries once it has ended,
    // or none once the run is stopping (halted, signalled, or every host gone).
    enum class Intake { open, input_ended, stopping };

    [[nodiscard]] bool run_over() const;
    void wait_for_events(std::optional<Millis> timeout);
    void start_jobs();
    [[nodiscard]] bool may_start_now();
    bool read_job();
    void read_ahead();
    bool no_job_left();
    void feed_round_robin();
    bool have_capacity();
    void release_spare_tokens();
    void reclaim_lost_tokens();
    [[nodiscard]] bool may_start_more() const;
    [[nodiscard]] bool skip_job(const JobSpec& job) const;
    void start_attempt(Attempt attempt);
    [[nodiscard]] static std::string results_path_of(const std::variant<Command, CannotRun, Skipped>& built);
    void tell_attempt_started(const Attempt& attempt, std::string results_path);
    bool requeue_on_shortage(Attempt& attempt, Shortage shortage);
    void fail_to_start(Attempt& attempt, const std::string& message, int exit_code);
    void end_unstarted(Attempt& attempt, int exit_code);
    void finish(JobRecord record);
    void report_delivered();
    void check_halt(int exit_code);
    void enforce_timeouts();
    void tick_reports();
    [[nodiscard]] std::optional<Millis> next_wakeup() const;
    void renew_median_deadlines();
    [[nodiscard]] std::optional<Clock::time_point> deadline_for(const JobSpec& job,
                                                                Clock::time_point start) const;
    // The record of an attempt that is over; takes its strings.
    [[nodiscard]] JobRecord take_record(Attempt& attempt, const JobExit* exit) const;
    std::size_t take_slot();
    void retire_slot(Attempt attempt);

    void on_output(std::uint64_t seq, Stream stream, std::string_view data) override;
    void on_exit(std::uint64_t seq, const JobExit& exit) override;
    void on_lost(std::uint64_t seq) override;
    void on_signal(int signal) override;
    void list_running();
    void on_input_drained(std::uint64_t seq) override;

    JobSource& m_jobs;
    const JobCommand& m_commands;
    Runner& m_runner;
    Output& m_output;
    Reports& m_reports;
    JobControl m_control;
    // What the reports want, for the whole run.
    std::size_t m_capture_cap = 0;
    bool m_ticking = false;           // tick()
    bool m_reports_wait = false;      // some hear of a job only once its output is delivered
    bool m_taken[2] = {false, false}; // a report keeps jobs' stdout, stderr (not Output)

    std::unordered_map<std::uint64_t, Attempt> m_running;
    std::deque<Attempt> m_retry;
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> m_free_slots;
    std::size_t m_slots_made = 0;
    Intake m_intake = Intake::open;
    Hold m_hold = Hold::none;
    unsigned m_resource_retries = 0; // waits for a shortage with no job running
    bool m_shortage_warned = false;  // the limit that held jobs back has been named
    std::optional<Clock::time_point> m_last_start;
    Clock::time_point m_last_tick{};
    std::size_t m_done_at_last_tick = 0; // a job that ended since is still to be shown
    std::vector<double> m_runtimes;      // recent runtimes, for --timeout N%
    std::size_t m_runtime_next = 0;
    RunProgress m_progress;
    // Jobs over whose output is not yet all written: the reports that keep records
    // (joblog, --results, JUnit) hear of them only once it is, so a job whose output
    // was lost is never recorded as done.
    std::unordered_map<std::uint64_t, JobRecord> m_undelivered;
    RunResult m_result;
    JobSpec m_job; // reused for every job read
    // Progress: jobs read before they are due, so that the total is known as soon as
    // the input has ended; bounded, in jobs and in bytes.
    std::deque<JobSpec> m_ahead;
    std::size_t m_ahead_bytes = 0;
    // --round-robin: a block read but not yet given to a job, jobs that can take one,
    // and how many jobs were started (blocks and jobs are numbered apart).
    bool m_have_block = false;
    std::deque<std::uint64_t> m_idle;
    std::uint64_t m_stream_jobs = 0;
};

} // namespace fanout
