#include "job_count.hpp"

#include "error.hpp"
#include "resource_limits.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>

namespace fanout {

namespace {

constexpr std::size_t k_size_max = std::numeric_limits<std::size_t>::max();
// -j0 means "as many as possible", but thousands of children only thrash; GNU parallel
// stops well before this too.
constexpr std::uint64_t k_max_unlimited_jobs = 4096;
// Descriptors we keep for ourselves: stdio, the input, the signal pipe, a jobserver.
constexpr std::uint64_t k_reserved_fds = 32;
// A running job holds its stdout and stderr pipes and, briefly, an exec-status pipe.
constexpr std::uint64_t k_fds_per_job = 3;
// Processes the user needs besides ours, so the shell that started us keeps working.
constexpr std::uint64_t k_reserved_processes = 8;
// Processes kept for the user under RLIMIT_NPROC, as GNU parallel keeps two.
constexpr std::uint64_t k_spare_processes = 2;
// 100 * 10^17 still fits in 64 bits; more fraction digits would overflow the divisor.
constexpr std::size_t k_max_fraction_digits = 17;

[[noreturn]] void throw_invalid(std::string_view spec)
{
    throw Error("-j: invalid job count '" + std::string(spec) + "' (expected N, N%, +N, -N or 0)");
}

// All of `text` as a decimal number: no sign, no spaces; nullopt when empty or too large.
std::optional<std::size_t> parse_digits(std::string_view text)
{
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t value = 0;
    const char* end = text.data() + text.size();
    auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end) {
        return std::nullopt;
    }
    return value;
}

// cpus * percent / 100 rounded up. Computed on the decimal digits rather than in floating
// point, so "10%" of 10 CPUs is exactly 1 and never 1.0000001 rounded up to 2.
std::optional<std::size_t> percent_of(std::string_view percent, std::size_t cpus)
{
    std::size_t dot = percent.find('.');
    std::string_view whole = percent.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? "" : percent.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) {
        return std::nullopt;
    }
    while (!fraction.empty() && fraction.back() == '0') {
        fraction.remove_suffix(1);
    }
    std::optional<std::size_t> numerator = parse_digits(std::string(whole) + std::string(fraction));
    if (!numerator || fraction.size() > k_max_fraction_digits) {
        return std::nullopt;
    }
    if (cpus != 0 && *numerator > k_size_max / cpus) {
        return std::nullopt;
    }
    std::size_t denominator = 100;
    for (std::size_t i = 0; i < fraction.size(); ++i) {
        denominator *= 10;
    }
    std::size_t product = cpus * *numerator;
    return product / denominator + (product % denominator != 0 ? 1 : 0); // up, as GNU parallel
}

// The job count before the at-least-one rule; nullopt when `spec` is not valid.
std::optional<std::size_t> evaluate(std::string_view spec, std::size_t cpus, std::size_t unlimited)
{
    if (spec.starts_with('+')) {
        std::optional<std::size_t> extra = parse_digits(spec.substr(1));
        if (!extra || *extra > k_size_max - cpus) {
            return std::nullopt;
        }
        return cpus + *extra;
    }
    if (spec.starts_with('-')) {
        std::optional<std::size_t> fewer = parse_digits(spec.substr(1));
        if (!fewer) {
            return std::nullopt;
        }
        return cpus > *fewer ? cpus - *fewer : 0;
    }
    if (spec.ends_with('%')) {
        return percent_of(spec.substr(0, spec.size() - 1), cpus);
    }
    std::optional<std::size_t> count = parse_digits(spec);
    if (count && *count == 0) {
        return unlimited;
    }
    return count;
}

} // namespace

std::size_t parse_job_count(std::string_view spec, std::size_t cpus, std::size_t unlimited)
{
    std::optional<std::size_t> count = evaluate(spec, cpus, unlimited);
    if (!count) {
        throw_invalid(spec);
    }
    return std::max<std::size_t>(*count, 1);
}

JobCount::JobCount(std::string_view spec) : m_spec(spec)
{
    // Whether a spec is valid does not depend on the CPU count, except for an overflow
    // of "+N", which one CPU already shows.
    (void)parse_job_count(spec, 1, 1);
}

std::size_t job_cap_for_limits(std::optional<std::uint64_t> open_files,
                               std::optional<std::uint64_t> processes)
{
    std::uint64_t cap = k_max_unlimited_jobs;
    if (open_files) {
        std::uint64_t spare = *open_files > k_reserved_fds ? *open_files - k_reserved_fds : 0;
        cap = std::min(cap, spare / k_fds_per_job);
    }
    if (processes) {
        cap = std::min(cap, *processes > k_reserved_processes ? *processes - k_reserved_processes : 0);
    }
    return static_cast<std::size_t>(std::max<std::uint64_t>(cap, 1));
}

std::size_t job_cap_for_processes(const ProcessRoom& room, std::size_t processes_per_job)
{
    std::uint64_t used = room.in_use + k_spare_processes;
    std::uint64_t spare = room.limit > used ? room.limit - used : 0;
    return static_cast<std::size_t>(
        std::max<std::uint64_t>(spare / std::max<std::size_t>(processes_per_job, 1), 1));
}

std::size_t unlimited_job_count()
{
    return job_cap_for_limits(soft_limit(RLIMIT_NOFILE), soft_limit(RLIMIT_NPROC));
}

} // namespace fanout
