// HaltPolicy: GNU parallel's --halt, when to stop a run early and what it exits with.
#pragma once

#include <cstddef>
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
    [[nodiscard]] std::size_t done() const { return failed + succeeded; }
};

// True when the policy says: stop now (given the counts after the latest job ended).
bool halt_reached(const HaltPolicy& policy, const JobCounts& counts);

// The exit code of a run that halted: as GNU parallel, the code of the job that
// triggered fail=N, the failure percentage for fail=N%, 0 for success, else the count.
int halt_exit_code(const HaltPolicy& policy, const JobCounts& counts, int last_exit_code);

} // namespace fanout
