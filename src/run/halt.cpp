#include "halt.hpp"

#include "error.hpp"
#include "exit_codes.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace fanout {

namespace {

// With a percentage, a few jobs must have ended before one failure can be "50%".
constexpr std::size_t k_min_jobs_for_percent = 3;

[[noreturn]] void bad(std::string_view text)
{
    throw Error("--halt: invalid value '" + std::string(text) +
                "' (expected never, now|soon,fail|success|done=N or N%)");
}

double parse_amount(std::string_view text, std::string_view whole, bool& percent)
{
    percent = text.ends_with('%');
    if (percent) {
        text.remove_suffix(1);
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !(value > 0) ||
        !std::isfinite(value) || (percent && value > 100) || (!percent && value != std::floor(value))) {
        bad(whole);
    }
    return value;
}

HaltPolicy legacy(std::string_view text)
{
    using W = HaltPolicy::When;
    using Y = HaltPolicy::Why;
    if (text == "0") {
        return {};
    }
    if (text == "1" || text == "2") {
        return {text == "1" ? W::soon : W::now, Y::fail, 1, false};
    }
    if (text == "-1" || text == "-2") {
        return {text == "-1" ? W::soon : W::now, Y::success, 1, false};
    }
    HaltPolicy policy{W::soon, Y::fail, 0, false};
    policy.threshold = parse_amount(text, text, policy.percent);
    if (!policy.percent) {
        bad(text);
    }
    return policy;
}

} // namespace

HaltPolicy parse_halt(std::string_view text)
{
    if (text == "never") {
        return {};
    }
    std::size_t comma = text.find(',');
    if (comma == std::string_view::npos) {
        return legacy(text);
    }
    HaltPolicy policy;
    std::string_view when = text.substr(0, comma);
    std::string_view why = text.substr(comma + 1);
    if (when != "now" && when != "soon") {
        bad(text);
    }
    policy.when = when == "now" ? HaltPolicy::When::now : HaltPolicy::When::soon;
    std::size_t equals = why.find('=');
    std::string_view kind = why.substr(0, equals);
    if (equals == std::string_view::npos || (kind != "fail" && kind != "success" && kind != "done")) {
        bad(text);
    }
    policy.why = kind == "fail"      ? HaltPolicy::Why::fail
                 : kind == "success" ? HaltPolicy::Why::success
                                     : HaltPolicy::Why::done;
    policy.threshold = parse_amount(why.substr(equals + 1), text, policy.percent);
    return policy;
}

bool halt_reached(const HaltPolicy& policy, const JobCounts& counts)
{
    if (policy.when == HaltPolicy::When::never) {
        return false;
    }
    std::size_t n = policy.why == HaltPolicy::Why::fail      ? counts.failed
                    : policy.why == HaltPolicy::Why::success ? counts.succeeded
                                                             : counts.done();
    if (!policy.percent) {
        return static_cast<double>(n) >= policy.threshold;
    }
    if (counts.total) { // GNU parallel: N% of all the jobs
        return static_cast<double>(n) * 100 >= policy.threshold * static_cast<double>(*counts.total);
    }
    return counts.done() >= k_min_jobs_for_percent &&
           static_cast<double>(n) * 100 >= policy.threshold * static_cast<double>(counts.done());
}

namespace {

int percent_failed(std::size_t failed, std::size_t of)
{
    of = std::max<std::size_t>(of, 1);
    return static_cast<int>((failed * 100 + of - 1) / of);
}

} // namespace

int unhalted_exit_code(const HaltPolicy& policy, const JobCounts& counts)
{
    if (policy.when != HaltPolicy::When::never && policy.percent) {
        return percent_failed(counts.failed, counts.done());
    }
    return exit_code_for_failures(counts.failed);
}

int halt_exit_code(const HaltPolicy& policy, const JobCounts& counts, int last_exit_code)
{
    if (policy.why == HaltPolicy::Why::success) {
        return k_exit_success;
    }
    double jobs = policy.threshold; // the number of jobs the policy stands for
    if (policy.percent && counts.total) {
        jobs = policy.threshold * static_cast<double>(*counts.total) / 100;
    }
    if (jobs == 1 && (!policy.percent || counts.total)) {
        return last_exit_code;
    }
    if (policy.percent) {
        return percent_failed(counts.failed, counts.total.value_or(counts.done()));
    }
    return exit_code_for_failures(counts.failed);
}

} // namespace fanout
