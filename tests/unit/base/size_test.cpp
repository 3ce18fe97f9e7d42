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

TEST_CASE("size: parse_size: plain bytes and powers of 1024")
{
    CHECK(parse_size("0", "--memfree") == 0);
    CHECK(parse_size("1000", "--memfree") == 1000);
    CHECK(parse_size("1k", "--memfree") == k_kib);
    CHECK(parse_size("1K", "--memfree") == k_kib);
    CHECK(parse_size("64k", "--memfree") == 64 * k_kib);
    CHECK(parse_size("500M", "--memfree") == 500 * k_mib);
    CHECK(parse_size("500m", "--memfree") == 500 * k_mib);
    CHECK(parse_size("2G", "--memfree") == 2 * k_gib);
    CHECK(parse_size("2g", "--memfree") == 2 * k_gib);
    CHECK(parse_size("1T", "--memfree") == k_tib);
    CHECK(parse_size("1000T", "--memfree") == 1000 * k_tib);
    CHECK(parse_size("1.5k", "--memfree") == 1536);
    CHECK(parse_size("0.5G", "--memfree") == k_gib / 2);
}

TEST_CASE("size: parse_size: anything else throws Error naming the option")
{
    for (const char* text : {"", "k", "G", "abc", "-1", "-1k", "1x", "1kb", "1 k", " 1", "1k ", "1P", "k1",
                             "1e30", "inf", "nan"}) {
        CAPTURE(text);
        std::string message = error_of([&] { (void)parse_size(text, "--memfree"); });
        CHECK(message.find("--memfree") != std::string::npos);
        CHECK(message.find(std::string("'") + text + "'") != std::string::npos);
    }
    CHECK(error_of([] { (void)parse_size("1Q", "--some-size"); }).find("--some-size") != std::string::npos);
}
