#include "error.hpp"
#include "regex.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using fanout::Regex;

namespace {

using Fields = std::vector<std::string>;

Fields split(const std::string& pattern, const std::string& subject)
{
    Regex regex(pattern, "--colsep");
    Fields fields;
    REQUIRE(fanout::perl_split(regex, subject, fields) == Regex::Found::none);
    return fields;
}

std::string text_of(const Fields& fields)
{
    std::string text;
    for (const auto& field : fields) {
        text += "[" + field + "]";
    }
    return text;
}

} // namespace

TEST_CASE("Regex: a pattern that does not compile names PCRE2's message, the offset and the pattern")
{
    CHECK_THROWS_WITH_AS(Regex("a(b", "--colsep"),
                         "--colsep: missing closing parenthesis at offset 3 in 'a(b'", fanout::Error);
    CHECK_THROWS_WITH_AS(Regex("x**", "--recend"),
                         "--recend: quantifier does not follow a repeatable item at offset 2 in 'x**'",
                         fanout::Error);
}

TEST_CASE("Regex: find gives the match and its groups; an unset group is not set")
{
    Regex regex("(a)|(b)", "test");
    REQUIRE(regex.group_count() == 2);
    REQUIRE(regex.find("xxb", 0) == Regex::Found::match);
    CHECK(regex.group(0).begin == 2);
    CHECK(regex.group(0).end == 3);
    CHECK_FALSE(regex.group(1).is_set());
    CHECK(regex.group(2).is_set());
    CHECK(regex.find("xxx", 0) == Regex::Found::none);
    CHECK(regex.find("", 0) == Regex::Found::none);
}

TEST_CASE("Regex: a search from an offset sees what is before it")
{
    Regex regex("(?<=a)b|^c", "test");
    REQUIRE(regex.find("abcb", 1) == Regex::Found::match);
    CHECK(regex.group(0).begin == 1);
    CHECK(regex.find("cxc", 1) == Regex::Found::none); // ^ is the subject's start, not the offset's
}

TEST_CASE("Regex: bytes, not UTF-8: invalid UTF-8 is text, . is one byte")
{
    Regex regex("\\xff.,", "test");
    REQUIRE(regex.find(std::string("a\xff\xc3,b"), 0) == Regex::Found::match);
    CHECK(regex.group(0).begin == 1);
}

TEST_CASE("Regex: long subjects do not crash (std::regex recursed per character)")
{
    std::string line(1'000'000, 'x');
    line += ",z";
    Regex regex("(x|y)*,", "test");
    REQUIRE(regex.find(line, 0) == Regex::Found::match);
    CHECK(regex.group(0).end == line.size() - 1);
    CHECK(regex.group(1).begin == line.size() - 3);
}

TEST_CASE("Regex: catastrophic backtracking reaches a limit instead of running on")
{
    std::string line(100'000, 'a');
    line += 'b';
    Regex regex("(a+)+$", "test");
    CHECK(regex.find(line, 0) == Regex::Found::limit);
    CHECK(regex.limit_reached().find("limit") != std::string::npos);
    SUBCASE("a copy has its own state and works the same")
    {
        Regex copy = regex;
        CHECK(copy.find("aaa", 0) == Regex::Found::match);
        CHECK(copy.pattern() == "(a+)+$");
    }
}

TEST_CASE("Regex: partial matches, for streams")
{
    Regex regex("\nEND\n", "test", {.partial = true});
    CHECK(regex.find("abc\nEN", 0, {.partial = true}) == Regex::Found::partial);
    CHECK(regex.group(0).begin == 3);
    CHECK(regex.find("abc\nEND\nx", 0, {.partial = true}) == Regex::Found::match);
    CHECK(regex.find("abc", 0, {.partial = true}) == Regex::Found::none);
}

TEST_CASE("perl_split: as Perl's split(/re/, $_, -1) in GNU parallel")
{
    CHECK(text_of(split(",", "a,b,,c")) == "[a][b][][c]");
    CHECK(text_of(split(",", ",a,b")) == "[][a][b]");
    CHECK(text_of(split(",", "a,b,,")) == "[a][b][][]");
    CHECK(text_of(split(",", "a")) == "[a]");
    SUBCASE("captured groups are fields, an unset one empty")
    {
        CHECK(text_of(split("(,)", "a,b")) == "[a][,][b]");
        CHECK(text_of(split("(,)|(;)", "a,b")) == "[a][,][][b]");
    }
    SUBCASE("an empty match splits, but not at the start of a field")
    {
        CHECK(text_of(split("", "abc")) == "[a][b][c][]");
        CHECK(text_of(split(",*", "abc")) == "[a][b][c][]");
        CHECK(text_of(split("x*", "xabc")) == "[][a][b][c][]");
        CHECK(text_of(split("(?=y)", "x1y")) == "[x1][y]");
        CHECK(text_of(split("\\b", "ab cd")) == "[ab][ ][cd][]");
        CHECK(text_of(split("$", "ab")) == "[ab][]");
    }
    SUBCASE("a match of the whole subject")
    {
        CHECK(text_of(split("a", "a")) == "[][]");
        CHECK(text_of(split("(a)", "a")) == "[][a][]");
    }
}

TEST_CASE("perl_split: a limit is reported, not a wrong split")
{
    std::string line(100'000, 'a');
    line += 'b';
    Regex regex("(a+)+$", "--colsep");
    Fields fields;
    CHECK(fanout::perl_split(regex, line, fields) == Regex::Found::limit);
}
