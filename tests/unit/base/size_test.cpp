#include "size.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using fanout::parse_size;

namespace {

using fanout::test::error_of;

constexpr std::uint64_t k_kib = 1024;
constexpr std::uint64_t k_mib = k_kib * 1024;
constexpr std::uint64_t k_gib = k_mib * 1024;
constexpr std::uint64_t k_tib = k_gib * 1024;

} // namespace

TEST_CASE("size: parse_size: lower case is powers of 1000, upper case and Ki powers of 1024")
{
    CHECK(parse_size("0", "--memfree") == 0);
    CHECK(parse_size("1000", "--memfree") == 1000);
    CHECK(parse_size("1k", "--memfree") == 1000);
    CHECK(parse_size("1K", "--memfree") == k_kib);
    CHECK(parse_size("1ki", "--memfree") == k_kib);
    CHECK(parse_size("1Ki", "--memfree") == k_kib);
    CHECK(parse_size("1kI", "--memfree") == k_kib);
    CHECK(parse_size("64K", "--memfree") == 64 * k_kib);
    CHECK(parse_size("500M", "--memfree") == 500 * k_mib);
    CHECK(parse_size("500m", "--memfree") == 500'000'000);
    CHECK(parse_size("2Mi", "--memfree") == 2 * k_mib);
    CHECK(parse_size("2G", "--memfree") == 2 * k_gib);
    CHECK(parse_size("2g", "--memfree") == 2'000'000'000);
    CHECK(parse_size("1T", "--memfree") == k_tib);
    CHECK(parse_size("1t", "--memfree") == 1'000'000'000'000);
    CHECK(parse_size("1000T", "--memfree") == 1000 * k_tib);
    CHECK(parse_size("1P", "--memfree") == k_tib * 1024);
    CHECK(parse_size("1.5k", "--memfree") == 1500);
    CHECK(parse_size("1.5K", "--memfree") == 1536);
    CHECK(parse_size("0.001m", "--memfree") == 1000);
    CHECK(parse_size("0.5G", "--memfree") == k_gib / 2);
}

TEST_CASE("size: parse_size: anything else throws Error naming the option")
{
    for (const char* text : {"",   "k",   "G",  "abc", "-1",   "-1k",   "1x", "1kb", "1b",   "2B",  "1 k",
                             " 1", "1k ", "1Q", "k1",  "1kii", "1.2.3", "1i", "20E", "1e30", "inf", "nan"}) {
        CAPTURE(text);
        std::string message = error_of([&] { (void)parse_size(text, "--memfree"); });
        CHECK(message.find("--memfree") != std::string::npos);
        CHECK(message.find(std::string("'") + text + "'") != std::string::npos);
    }
    CHECK(error_of([] { (void)parse_size("1Q", "--some-size"); }).find("--some-size") != std::string::npos);
}
