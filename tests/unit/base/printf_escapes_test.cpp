#include "printf_escapes.hpp"

#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <string>

using fanout::test::error_of;

namespace {

std::string unquote_printf(const std::string& text, const char* option = "--tagstring")
{
    return fanout::unquote_printf(text, option);
}

} // namespace

using namespace std::string_literals;

// Each expected value is what GNU parallel 20221122's unquote_printf gives (checked with
// its own perl substitutions).
TEST_CASE("printf_escapes: \\t \\n \\r and octal escapes, as GNU parallel's --tagstring")
{
    CHECK(unquote_printf("a\\tb\\nc\\rd") == "a\tb\nc\rd");
    CHECK(unquote_printf("\\033[1m") == "\033[1m");
    CHECK(unquote_printf("\\101\\0x") == "A\0x"s);
    CHECK(unquote_printf("\\7") == "\a");
    CHECK(unquote_printf("plain {} text") == "plain {} text");
}

TEST_CASE("printf_escapes: perl's reading of odd digits")
{
    CHECK(unquote_printf("\\999") == "999"); // \9 is no escape: the backslash goes
    CHECK(unquote_printf("\\8") == "8");
    CHECK(unquote_printf("\\089") == "\0"s + "89"); // octal stops at the first 8
    CHECK(unquote_printf("\\18") == "\001"s + "8");
    CHECK(unquote_printf("\\377") == "\377");
}

TEST_CASE("printf_escapes: an octal escape above a byte is refused, naming the option")
{
    // perl makes it a wide character and prints the whole tag as UTF-8 then.
    CHECK(error_of([] { (void)unquote_printf("x\\400", "--tagstring"); }) ==
          "--tagstring: '\\400' is not a byte (octal escapes go up to \\377)");
    CHECK(error_of([] { (void)unquote_printf("\\777", "-d"); }) ==
          "-d: '\\777' is not a byte (octal escapes go up to \\377)");
}

TEST_CASE("printf_escapes: each rule is a pass over the result of the one before")
{
    CHECK(unquote_printf("\\\\t") == "\\\t");   // no escape for the backslash itself
    CHECK(unquote_printf("\\1341") == "\001"s); // \134 is a backslash, and \1 then chr(1)
    CHECK(unquote_printf("\\") == "\\");
    CHECK(unquote_printf("x\\") == "x\\");
}
