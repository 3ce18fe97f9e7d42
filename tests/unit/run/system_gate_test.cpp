#include "support/test_support.hpp"
#include "system_gate.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using fanout::parse_load;
using fanout::parse_loadavg;
using fanout::parse_mem_available;
using fanout::SystemGate;

namespace {

using fanout::test::error_of;

constexpr std::uint64_t k_kib = 1024;
constexpr std::uint64_t k_tib = k_kib * 1024 * 1024 * 1024;

// /proc/meminfo as a Linux 6.1 machine with 16 GiB writes it (shortened).
constexpr const char* k_meminfo = "MemTotal:       16316412 kB\n"
                                  "MemFree:         1838312 kB\n"
                                  "MemAvailable:   11223344 kB\n"
                                  "Buffers:          403328 kB\n"
                                  "Cached:          8770816 kB\n"
                                  "SwapCached:            0 kB\n";

} // namespace

TEST_CASE("system_gate: parse_load: a number, or N% of the CPUs")
{
    CHECK(parse_load("2.5", 4) == doctest::Approx(2.5));
    CHECK(parse_load("1000", 4) == doctest::Approx(1000));
    CHECK(parse_load("0.0001", 4) == doctest::Approx(0.0001));
    CHECK(parse_load("50%", 4) == doctest::Approx(2.0));
    CHECK(parse_load("100%", 8) == doctest::Approx(8.0));
    CHECK(parse_load("150%", 2) == doctest::Approx(3.0));
    CHECK(parse_load("12.5%", 8) == doctest::Approx(1.0));
}

TEST_CASE("system_gate: parse_load: anything else throws Error naming --load")
{
    for (const char* text :
         {"", "%", "abc", "-1", "-50%", "1.5x", "5%%", "%5", "2 ", "inf", "nan", "1e400"}) {
        CAPTURE(text);
        std::string message = error_of([&] { (void)parse_load(text, 4); });
        CHECK(message.find("--load") != std::string::npos);
        CHECK(message.find(std::string("'") + text + "'") != std::string::npos);
    }
}

TEST_CASE("system_gate: parse_loadavg: the first field of /proc/loadavg")
{
    CHECK(parse_loadavg("0.52 0.58 0.59 1/467 12345\n") == doctest::Approx(0.52));
    CHECK(parse_loadavg("12.00 8.49 6.77 10/126 14029\n") == doctest::Approx(12.0));
    CHECK(parse_loadavg("0.00 0.00 0.00 1/1 1\n") == doctest::Approx(0.0));
    CHECK_FALSE(parse_loadavg(""));
    CHECK_FALSE(parse_loadavg("\n"));
    CHECK_FALSE(parse_loadavg("abc 0.58 0.59 1/467 12345\n"));
    CHECK_FALSE(parse_loadavg(" 0.52 0.58"));
}

TEST_CASE("system_gate: parse_mem_available: MemAvailable of /proc/meminfo, in bytes")
{
    CHECK(parse_mem_available(k_meminfo) == 11223344 * k_kib);
    CHECK(parse_mem_available("MemAvailable: 1 kB\n") == k_kib);
    CHECK(parse_mem_available("MemTotal: 8 kB\nMemAvailable:0 kB\n") == 0);
    CHECK_FALSE(parse_mem_available(""));
    // Linux before 3.14 has no MemAvailable line.
    CHECK_FALSE(parse_mem_available("MemTotal:       16316412 kB\nMemFree:         1838312 kB\n"));
    CHECK_FALSE(parse_mem_available("MemAvailable:\n"));
    CHECK_FALSE(parse_mem_available("MemAvailable:   lots kB\n"));
}

TEST_CASE("system_gate: open unless the machine is above --load or below --memfree")
{
    SystemGate gate;
    CHECK_FALSE(gate.configured());
    CHECK(gate.open());

    SUBCASE("a load no machine reaches")
    {
        gate.max_load = 1e9;
        CHECK(gate.configured());
        CHECK(gate.open());
    }
    SUBCASE("a load every machine is above")
    {
        gate.max_load = -1;
        CHECK_FALSE(gate.open());
    }
    SUBCASE("a little memory")
    {
        gate.min_free = 1;
        CHECK(gate.configured());
        CHECK(gate.open());
    }
    SUBCASE("more memory than any machine has")
    {
        gate.min_free = 1000 * k_tib * 1000;
        CHECK_FALSE(gate.open());
    }
    SUBCASE("both: closed when either is")
    {
        gate.max_load = 1e9;
        gate.min_free = 1000 * k_tib * 1000;
        CHECK_FALSE(gate.open());
    }
}
