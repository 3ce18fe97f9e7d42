#include "error.hpp"
#include "job_count.hpp"
#include "resource_limits.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>

using fanout::job_cap_for_limits;
using fanout::parse_job_count;

namespace {

constexpr std::size_t k_unlimited = 250;

// Lowers one soft resource limit for one test and puts the old one back.
class SoftLimit {
public:
    SoftLimit(decltype(RLIMIT_NOFILE) resource, rlim_t soft) : m_resource(resource)
    {
        REQUIRE(::getrlimit(m_resource, &m_saved) == 0);
        rlimit lowered = m_saved;
        lowered.rlim_cur = soft;
        REQUIRE(::setrlimit(m_resource, &lowered) == 0);
    }
    SoftLimit(const SoftLimit&) = delete;
    SoftLimit& operator=(const SoftLimit&) = delete;
    ~SoftLimit() { ::setrlimit(m_resource, &m_saved); }

private:
    decltype(RLIMIT_NOFILE) m_resource;
    rlimit m_saved{};
};

std::optional<std::uint64_t> soft_process_limit()
{
    rlimit limit{};
    REQUIRE(::getrlimit(RLIMIT_NPROC, &limit) == 0);
    if (limit.rlim_cur == RLIM_INFINITY) {
        return std::nullopt;
    }
    return limit.rlim_cur;
}

} // namespace

TEST_CASE("parse_job_count: a plain number is the job count")
{
    CHECK(parse_job_count("1", 4, k_unlimited) == 1);
    CHECK(parse_job_count("8", 4, k_unlimited) == 8);
    CHECK(parse_job_count("007", 4, k_unlimited) == 7);
    CHECK(parse_job_count("100000", 4, k_unlimited) == 100000);
    CHECK(parse_job_count("18446744073709551615", 4, k_unlimited) == std::numeric_limits<std::size_t>::max());
}

TEST_CASE("parse_job_count: 0 means the unlimited cap, never 0")
{
    CHECK(parse_job_count("0", 4, k_unlimited) == k_unlimited);
    CHECK(parse_job_count("0", 4, 37) == 37);
    CHECK(parse_job_count("00", 4, 37) == 37);
    CHECK(parse_job_count("0", 4, 0) == 1);
}

TEST_CASE("parse_job_count: +N adds to the CPU count")
{
    CHECK(parse_job_count("+2", 4, k_unlimited) == 6);
    CHECK(parse_job_count("+0", 4, k_unlimited) == 4);
    CHECK(parse_job_count("+1", 1, k_unlimited) == 2);
}

TEST_CASE("parse_job_count: -N subtracts from the CPU count, leaving at least 1")
{
    CHECK(parse_job_count("-1", 4, k_unlimited) == 3);
    CHECK(parse_job_count("-0", 4, k_unlimited) == 4);
    CHECK(parse_job_count("-3", 4, k_unlimited) == 1);
    CHECK(parse_job_count("-4", 4, k_unlimited) == 1);
    CHECK(parse_job_count("-10", 4, k_unlimited) == 1);
    CHECK(parse_job_count("-99999999999", 4, k_unlimited) == 1);
}

TEST_CASE("parse_job_count: N% is a share of the CPUs, rounded up as GNU parallel does, at least 1")
{
    CHECK(parse_job_count("50%", 4, k_unlimited) == 2);
    CHECK(parse_job_count("100%", 3, k_unlimited) == 3);
    CHECK(parse_job_count("150%", 4, k_unlimited) == 6);
    CHECK(parse_job_count("50%", 3, k_unlimited) == 2);
    CHECK(parse_job_count("75%", 3, k_unlimited) == 3);
    CHECK(parse_job_count("0%", 8, k_unlimited) == 1);
    CHECK(parse_job_count("1%", 8, k_unlimited) == 1);
}

TEST_CASE("parse_job_count: fractional percentages are exact")
{
    CHECK(parse_job_count("12.5%", 16, k_unlimited) == 2);
    CHECK(parse_job_count("12.5%", 4, k_unlimited) == 1);
    CHECK(parse_job_count("50.0%", 3, k_unlimited) == 2);
    CHECK(parse_job_count("0.5%", 1000, k_unlimited) == 5);
    CHECK(parse_job_count("0.7%", 1000, k_unlimited) == 7);
    CHECK(parse_job_count("10%", 10, k_unlimited) == 1);
    // Each exactly an integer; computed in doubles some come out just past it, one too many.
    CHECK(parse_job_count("58%", 50, k_unlimited) == 29);
    CHECK(parse_job_count("129.2%", 250, k_unlimited) == 323);
    CHECK(parse_job_count("258.4%", 125, k_unlimited) == 323);
    // 6 * 33.3333334% = 2.000000004: dropping digits past the sixth would give 2.
    CHECK(parse_job_count("33.3333334%", 6, k_unlimited) == 3);
    CHECK(parse_job_count("33.3333333%", 6, k_unlimited) == 2);
    CHECK(parse_job_count("250.000000000000000000%", 2, k_unlimited) == 5);
}

TEST_CASE("parse_job_count: anything else is an error naming the value")
{
    const char* invalid[] = {
        "",    "abc",  "2x",   "-",    "+",    "%",   "1.5",  "-0x",  " 4",   "4 ",    "+-1",
        "--1", "++1",  "1e3",  "0x10", "5.%",  ".5%", "50%%", "+50%", "-50%", "1..5%", "1.5.0%",
        "%50", "-1.5", "+1.5", "4\n",  "four", "-%",  "+%",   "0-1",  "1+1",
    };
    for (const char* spec : invalid) {
        CAPTURE(spec);
        CHECK_THROWS_AS(static_cast<void>(parse_job_count(spec, 4, k_unlimited)), fanout::Error);
    }
}

TEST_CASE("parse_job_count: overflow is an error, not a wrapped number")
{
    const char* overflowing[] = {
        "99999999999999999999",  "18446744073709551616",  "+18446744073709551615", "+99999999999999999999",
        "-99999999999999999999", "99999999999999999999%", "1000000000000000000%",  "1.000000000000000000001%",
    };
    for (const char* spec : overflowing) {
        CAPTURE(spec);
        CHECK_THROWS_AS(static_cast<void>(parse_job_count(spec, 400, k_unlimited)), fanout::Error);
    }
}

TEST_CASE("parse_job_count: the error message says what was expected")
{
    CHECK_THROWS_WITH_AS(static_cast<void>(parse_job_count("abc", 4, k_unlimited)),
                         "-j: invalid job count 'abc' (expected N, N%, +N, -N or 0)", fanout::Error);
    CHECK_THROWS_WITH_AS(static_cast<void>(parse_job_count("", 4, k_unlimited)),
                         "-j: invalid job count '' (expected N, N%, +N, -N or 0)", fanout::Error);
    CHECK_THROWS_WITH_AS(static_cast<void>(parse_job_count("99999999999999999999", 4, k_unlimited)),
                         "-j: invalid job count '99999999999999999999' (expected N, N%, +N, -N or 0)",
                         fanout::Error);
}

TEST_CASE("job_cap_for_limits: three descriptors per job after a reserve, 1 to 4096")
{
    CHECK(job_cap_for_limits(std::nullopt, std::nullopt) == 4096);
    CHECK(job_cap_for_limits(1024, std::nullopt) == 330);
    CHECK(job_cap_for_limits(332, std::nullopt) == 100);
    CHECK(job_cap_for_limits(20000, std::nullopt) == 4096);
    CHECK(job_cap_for_limits(1u << 30, std::nullopt) == 4096);
    CHECK(job_cap_for_limits(34, std::nullopt) == 1);
    CHECK(job_cap_for_limits(32, std::nullopt) == 1);
    CHECK(job_cap_for_limits(0, std::nullopt) == 1);
}

TEST_CASE("job_cap_for_limits: the process limit caps too, keeping a few spare")
{
    CHECK(job_cap_for_limits(std::nullopt, 100) == 92);
    CHECK(job_cap_for_limits(332, 50) == 42);
    CHECK(job_cap_for_limits(332, 1000) == 100);
    CHECK(job_cap_for_limits(std::nullopt, 100000) == 4096);
    CHECK(job_cap_for_limits(332, 8) == 1);
    CHECK(job_cap_for_limits(332, 0) == 1);
}

TEST_CASE("unlimited_job_count: follows this process's soft open-file limit")
{
    std::optional<std::uint64_t> processes = soft_process_limit();
    {
        SoftLimit limit(RLIMIT_NOFILE, 332);
        CHECK(fanout::unlimited_job_count() == job_cap_for_limits(332, processes));
    }
    {
        SoftLimit limit(RLIMIT_NOFILE, 64);
        CHECK(fanout::unlimited_job_count() == job_cap_for_limits(64, processes));
    }
    std::size_t cap = fanout::unlimited_job_count();
    CHECK(cap >= 1);
    CHECK(cap <= 4096);
}

TEST_CASE("unlimited_job_count: follows this process's soft process limit")
{
    SoftLimit files(RLIMIT_NOFILE, 1024);
    SoftLimit processes(RLIMIT_NPROC, 50);
    CHECK(fanout::unlimited_job_count() == 42);
}

TEST_CASE("job_cap_for_processes: what the process limit leaves, per job, two kept spare")
{
    using fanout::ProcessRoom;
    CHECK(fanout::job_cap_for_processes(ProcessRoom{20, 2}, 2) == 8);
    CHECK(fanout::job_cap_for_processes(ProcessRoom{20, 2}, 1) == 16);
    CHECK(fanout::job_cap_for_processes(ProcessRoom{20, 1}, 2) == 8); // half a job does not run
    CHECK(fanout::job_cap_for_processes(ProcessRoom{1000, 0}, 3) == 332);
    // Full, or over (the limit was lowered under running processes): one job still tries.
    CHECK(fanout::job_cap_for_processes(ProcessRoom{20, 20}, 2) == 1);
    CHECK(fanout::job_cap_for_processes(ProcessRoom{20, 50}, 2) == 1);
    CHECK(fanout::job_cap_for_processes(ProcessRoom{20, 17}, 2) == 1);
}

TEST_CASE("limit_name and shortage_reason: name the limit a spawn ran into, and only for shortages")
{
    SoftLimit files(RLIMIT_NOFILE, 64);
    CHECK(fanout::limit_name(EMFILE) == "the open-file limit (ulimit -n 64)");
    CHECK(fanout::shortage_reason(EMFILE) == "too many open files in fanout (ulimit -n 64)");
    CHECK(fanout::shortage_reason(ENOMEM) == "out of memory");
    CHECK(fanout::limit_name(ENOENT).empty());
    CHECK(fanout::shortage_reason(ENOENT).empty());
    CHECK(fanout::shortage_reason(EACCES).empty());
}
