// Reports: what the run tells beyond the jobs' own output (joblog, JSON Lines, JUnit,
// failure summary, progress). Each is told about every job as it ends.
#pragma once

#include "resource_usage.hpp"
#include "stream.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// Everything known about one finished job (its last attempt).
struct JobRecord {
    std::uint64_t seq = 0;
    std::string id; // --tasks: the task's id
    std::size_t slot = 0;
    std::string host = ":";
    std::string command; // as a shell would read it
    std::vector<std::string> args;
    std::string results_path; // --results NAME with replacement strings, filled in for the job
    std::chrono::system_clock::time_point start;
    std::chrono::duration<double> runtime{0};
    int exit_code = 0; // 128+N when killed by signal N; 126/127 when it could not start
    int signal = 0;
    bool timed_out = false;
    bool started = true; // false: it never ran (not found, too long)
    unsigned attempts = 1;
    ResourceUsage usage;
    std::uint64_t sent = 0;          // bytes written to its stdin (--pipe)
    std::uint64_t bytes[2] = {0, 0}; // stdout, stderr
    std::string output[2];           // captured only for reports that asked for it
    bool output_truncated[2] = {false, false};

    [[nodiscard]] bool failed() const { return exit_code != 0 || signal != 0; }
    // GNU parallel's Exitval, as in its joblog and --results tables: 0 beside the
    // signal for a job killed by one, -1 for a timed-out one.
    [[nodiscard]] int gnu_exit_value() const { return timed_out ? -1 : signal != 0 ? 0 : exit_code; }
};

// How far the run is, for progress displays.
struct RunProgress {
    std::size_t done = 0;
    std::size_t failed = 0;
    std::size_t running = 0;
    std::size_t total = 0; // jobs read so far
    bool input_complete = false;
    std::optional<std::size_t> expected_total; // known before the input is read (--bar)
    std::chrono::steady_clock::time_point started_at;
};

class Report {
public:
    virtual ~Report() = default;
    // Told once the job's output is all written when waits_for_delivery(), else as
    // soon as the job ends.
    virtual void job_finished(const JobRecord& job) = 0;
    // True for reports that keep a record of jobs done: a job whose output was lost
    // must not be in it, so --resume runs it again.
    [[nodiscard]] virtual bool waits_for_delivery() const { return true; }
    // A report written to our stdout (--results -) gives its line for the job here
    // instead: it goes out right after the job's own output, in the same stream.
    [[nodiscard]] virtual std::string line_for_stdout(const JobRecord&) const { return {}; }
    // The run is over (normally, halted or by a signal).
    virtual void run_finished(const RunProgress&) {}
    // Called at most ~10 times a second while jobs run, if wants_ticks().
    virtual void tick(const RunProgress&) {}
    // False: the run need not wake up for tick() (a timer costs a wake-up per 100 ms).
    [[nodiscard]] virtual bool wants_ticks() const { return false; }
    // How much of each job's output this report needs captured (0: none).
    [[nodiscard]] virtual std::size_t output_wanted() const { return 0; }

    // True for a report that keeps a job's stream itself (--results DIR, --files): that
    // stream never reaches our stdout or stderr.
    [[nodiscard]] virtual bool takes_stream(Stream) const { return false; }
    // Each attempt of a job starts (a retry starts afresh; `job` has its seq, slot, args
    // and id), then its bytes of the streams taken come. Throw Error when they cannot
    // be kept: the run stops, and the job is in no record.
    virtual void attempt_started(const JobRecord& /*job*/) {}
    virtual void attempt_output(std::uint64_t /*seq*/, Stream, std::string_view /*data*/) {}
    // What goes to stdout, tagged as the job's output, in place of the stdout taken
    // (--files: the file's name and a newline).
    [[nodiscard]] virtual std::string stdout_in_place(const JobRecord&) const { return {}; }
};

using Reports = std::vector<std::unique_ptr<Report>>;

} // namespace fanout
