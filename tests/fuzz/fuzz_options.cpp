// Fuzzes the command line: parse_command_line, the typed values it makes (job count,
// --halt, --timeout, --termseq, --delay, --memfree, --load), JobCommand and
// parse_delimiter.
//
// Input: the arguments after "fanout", separated by NUL. Every argument is also given
// to each value parser on its own.
#include "fuzz_support.hpp"

#include "arg_limits.hpp"
#include "duration.hpp"
#include "error.hpp"
#include "halt.hpp"
#include "job_command.hpp"
#include "job_count.hpp"
#include "options.hpp"
#include "size.hpp"
#include "system_gate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>

namespace {

constexpr std::size_t k_unlimited = 4096;

// The whole of `text` as an unsigned decimal number, if it is one.
std::optional<std::size_t> whole_number(std::string_view text)
{
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

void check_job_count(std::string_view text, std::size_t cpus)
{
    std::size_t count = fanout::parse_job_count(text, cpus, k_unlimited);
    FUZZ_REQUIRE(count >= 1);
    std::optional<std::size_t> plain = whole_number(text);
    std::optional<std::size_t> signed_n = text.empty() ? std::nullopt : whole_number(text.substr(1));
    if (plain) {
        FUZZ_REQUIRE(count == (*plain == 0 ? k_unlimited : *plain));
    } else if (text.starts_with('+')) {
        FUZZ_REQUIRE(signed_n && count == cpus + *signed_n);
    } else if (text.starts_with('-')) {
        FUZZ_REQUIRE(signed_n && count == std::max<std::size_t>(cpus > *signed_n ? cpus - *signed_n : 0, 1));
    } else {
        FUZZ_REQUIRE(text.ends_with('%'));
    }
}

void check_halt(std::string_view text)
{
    fanout::HaltPolicy policy = fanout::parse_halt(text);
    if (policy.when == fanout::HaltPolicy::When::never) {
        return;
    }
    FUZZ_REQUIRE(std::isfinite(policy.threshold) && policy.threshold > 0);
    FUZZ_REQUIRE(policy.percent ? policy.threshold <= 100 : policy.threshold == std::floor(policy.threshold));
}

void check_timing(std::string_view text)
{
    try {
        fanout::TimeoutSpec timeout = fanout::parse_timeout(text);
        FUZZ_REQUIRE(timeout.fixed.count() > 0 ||
                     (std::isfinite(timeout.percent_of_median) && timeout.percent_of_median > 0));
    } catch (const fanout::Error&) {
    }
    try {
        fanout::Millis delay = fanout::parse_duration(text, "--delay");
        FUZZ_REQUIRE(delay.count() >= 0 && delay.count() <= 1'000'000'000'000'000);
    } catch (const fanout::Error&) {
    }
    fanout::TermSeq seq = fanout::parse_termseq(text);
    FUZZ_REQUIRE(!seq.empty());
    for (const auto& step : seq) {
        FUZZ_REQUIRE(step.signal > 0 && step.signal < NSIG && step.wait.count() >= 0);
    }
}

void check_system_values(std::string_view text, std::size_t cpus)
{
    try {
        std::uint64_t size = fanout::parse_size(text, "--memfree");
        auto n = whole_number(text);
        FUZZ_REQUIRE(!n || text.size() > 15 || size == *n);
    } catch (const fanout::Error&) {
    }
    try {
        double load = fanout::parse_load(text, cpus);
        FUZZ_REQUIRE(load > 0);
    } catch (const fanout::Error&) {
    }
    (void)fanout::parse_loadavg(text);
    (void)fanout::parse_mem_available(text);
    try {
        char delimiter = fanout::parse_delimiter(std::string(text));
        FUZZ_REQUIRE(text.size() != 1 || delimiter == text[0]);
    } catch (const fanout::Error&) {
    }
}

// Each value parser on one argument; they throw Error on values they refuse.
void check_value(std::string_view text, std::size_t cpus)
{
    using Check = void (*)(std::string_view, std::size_t);
    const Check checks[] = {
        check_job_count,
        [](std::string_view t, std::size_t) { check_halt(t); },
        [](std::string_view t, std::size_t) { check_timing(t); },
        check_system_values,
    };
    for (Check check : checks) {
        try {
            check(text, cpus);
        } catch (const fanout::Error&) {
        }
    }
}

// What main() does with the parsed options, as far as it needs no process.
void use_options(const fanout::Options& options, std::size_t cpus)
{
    FUZZ_REQUIRE(!options.command.syntax.replace_str.empty());
    if (options.jobs) {
        FUZZ_REQUIRE(options.jobs->slots(cpus, k_unlimited) >= 1);
    }
    FUZZ_REQUIRE(!options.control.termseq.empty());
    FUZZ_REQUIRE(options.blocks.block_size >= 1);
    fanout::JobCommand command(options.command, fanout::system_arg_limits(0, options.max_chars));
    fanout::JobSpec job{7, {"dir/a b.txt", "it's"}, "fuzz record 1", false, {}};
    (void)command.build(job, 2);
    (void)command.tag(job, 2);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::cout.setstate(std::ios::badbit); // --help and --version print nothing here
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::vector<std::string> args = fuzz::split(fuzz::as_text(data, size), '\0');
    std::size_t cpus = 1 + size % 64;
    for (const auto& arg : args) {
        check_value(arg, cpus);
    }
    std::vector<const char*> argv{"fanout"};
    for (const auto& arg : args) {
        argv.push_back(arg.c_str());
    }
    try {
        fanout::ParseResult result = fanout::parse_command_line(static_cast<int>(argv.size()), argv.data());
        FUZZ_REQUIRE(result.options || result.exit_code == 0);
        if (result.options) {
            use_options(*result.options, cpus);
        }
    } catch (const fanout::Error&) {
    }
    return 0;
}
