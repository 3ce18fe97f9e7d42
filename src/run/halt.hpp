// HaltPolicy: GNU parallel's --halt, when to stop a run early and what it exits with.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace fanout {

struct HaltPolicy {
    enum class When { never, soon, now };
    enum class Why { fail, success, done };
    When when = When::never;
    Why why = Why::fail;
    double threshold = 0; // a count, or a percentage when `percent`
    bool percent = false;
};

// "never", "now,fail=1", "soon,success=3", "now,done=10%", and the old forms 0, 1, 2,
// -1, -2 and 1-99%. Throws Error on anything else.
HaltPolicy parse_halt(std::string_view text);

// What has happened so far.
struct JobCounts {
    std::size_t failed = 0;
    std::size_t succeeded = 0;
    std::optional<std::size_t> total; // all jobs of the run, when known (N% needs it)
    [[nodiscard]] std::size_t done() const { return failed + succeeded; }
};

// True when the policy says: stop now (given the counts after the latest job ended).
bool halt_reached(const HaltPolicy& policy, const JobCounts& counts);

// The exit code of a run that halted: as GNU parallel, the code of the job that
// triggered fail=1 or done=1 (or an N% that is one job), the failed jobs' percentage of
// all jobs, rounded up, for fail=N% and done=N%, 0 for success, else the count.
int halt_exit_code(const HaltPolicy& policy, const JobCounts& counts, int last_exit_code);

// The exit code of a run that ended without halting: as GNU parallel, the failed jobs'
// percentage of those run, rounded up, with an N% policy, else the count.
int unhalted_exit_code(const HaltPolicy& policy, const JobCounts& counts);

} // namespace fanout
