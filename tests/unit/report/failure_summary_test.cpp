#include "failure_summary.hpp"

#include <doctest/doctest.h>

#include <string>

using fanout::printable;

namespace {
constexpr std::size_t k_wide = std::string::npos;
}

TEST_CASE("printable: text a terminal shows as it is stays as it is")
{
    CHECK(printable("make -C lib 'a b' \"c\" $x \\n", k_wide) == "make -C lib 'a b' \"c\" $x \\n");
    CHECK(printable("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", k_wide) ==
          "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    CHECK(printable("", k_wide).empty());
}

TEST_CASE("printable: control characters are escaped")
{
    CHECK(printable("a\tb\nc\rd", k_wide) == "a\\tb\\nc\\rd");
    CHECK(printable("\x1B[2J\x07\x7F", k_wide) == "\\x1b[2J\\x07\\x7f");
    CHECK(printable(std::string("a\0b", 3), k_wide) == "a\\x00b");
    SUBCASE("C1 controls too: a terminal may take U+009B for CSI")
    {
        CHECK(printable("\xC2\x9B[2J \xC2\xA0", k_wide) == "\\xc2\\x9b[2J \xC2\xA0");
    }
}

TEST_CASE("printable: bytes that are not UTF-8 are escaped one by one")
{
    CHECK(printable("\xFF\xFE", k_wide) == "\\xff\\xfe");
    CHECK(printable("a\xC3", k_wide) == "a\\xc3");                 // cut off
    CHECK(printable("\xC0\xAF", k_wide) == "\\xc0\\xaf");          // overlong
    CHECK(printable("\xED\xA0\x80", k_wide) == "\\xed\\xa0\\x80"); // a surrogate
}

TEST_CASE("printable: the cut never splits an escape or a character")
{
    CHECK(printable("abcdef", 6) == "abcdef");
    CHECK(printable("abcdefg", 6) == "abcdef...");
    CHECK(printable("abcd\x1B", 6) == "abcd...");
    CHECK(printable("abcde\xC3\xA9", 6) == "abcde...");
    CHECK(printable("ab\x1B", 6) == "ab\\x1b");
}
