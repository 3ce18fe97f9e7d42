#include "error.hpp"
#include "perl_coprocess.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

using fanout::decode_fields;
using fanout::encode_frame;
using fanout::PerlCall;
using fanout::PerlCoprocess;
using fanout::PerlJob;

namespace {

// The value of one call of `code` on the first of `args`.
std::string value_of(PerlCoprocess& perl, const std::vector<std::string>& args, std::uint64_t seq = 1)
{
    auto results = perl.evaluate(PerlJob{args, seq, 1, std::nullopt}, {PerlCall{0, args.empty() ? 0U : 1U}});
    REQUIRE(results.size() == 1);
    return results.find(PerlCall{0, args.empty() ? 0U : 1U})->text;
}

} // namespace

TEST_CASE("A frame is a length and length-prefixed fields, any bytes in them")
{
    std::vector<std::string> fields{"e", "", std::string("a\0b\n'\"", 6), std::string(300, 'x')};
    std::string frame = encode_frame(fields);
    CHECK(frame.substr(0, 4) == std::string("\0\0\x01\x43", 4)); // 4+1 + 4+0 + 4+6 + 4+300
    auto decoded = decode_fields(std::string_view(frame).substr(4));
    REQUIRE(decoded);
    CHECK(*decoded == fields);
    CHECK_FALSE(decode_fields(std::string_view(frame).substr(4, 10)));
    CHECK(decode_fields("")->empty());
}

TEST_CASE("The perl co-process evaluates expressions as GNU parallel does")
{
    SUBCASE("$_ is the argument, and what is left in it the value")
    {
        PerlCoprocess perl({"s/a/b/g"});
        CHECK(value_of(perl, {"banana"}) == "bbnbnb");
        CHECK(value_of(perl, {std::string("a\0\n'", 4)}, 2) == std::string("b\0\n'", 4));
        CHECK(value_of(perl, {}, 3).empty()); // no argument: $_ is empty
    }
    SUBCASE("@arg, seq(), slot() and $job")
    {
        PerlCoprocess perl({"$_ = join ',', $arg[1], $arg[2], seq(), slot(), $job->seq(), $job->slot()"});
        auto results = perl.evaluate(PerlJob{{"x", "y"}, 7, 3, std::nullopt}, {PerlCall{0, 2}});
        CHECK(results.find({0, 2})->text == "x,y,7,3,7,3");
    }
    SUBCASE("uq() leaves the value unquoted, skip() skips the job; Q() quotes as GNU's")
    {
        PerlCoprocess perl({"uq()", "skip() if /b/", "$_ = Q($_)"});
        auto results = perl.evaluate(PerlJob{{"a b"}, 1, 1, std::nullopt},
                                     {PerlCall{0, 1}, PerlCall{1, 1}, PerlCall{2, 1}});
        REQUIRE(results.size() == 3);
        CHECK(results.find({0, 1})->unquoted);
        CHECK_FALSE(results.find({1, 1})->unquoted);
        CHECK(results.skip);
        CHECK(results.find({2, 1})->text == "'a b'");
        CHECK_FALSE(perl.evaluate(PerlJob{{"a"}, 2, 1, std::nullopt}, {PerlCall{1, 1}}).skip);
        PerlCoprocess quote({"$_ = Q($_)"});
        CHECK(value_of(quote, {"it's"}) == "'it'\"'\"'s'");
    }
    SUBCASE("globals carry over from job to job; one job evaluates a call once")
    {
        PerlCoprocess perl({"$_ = ++$n"});
        CHECK(value_of(perl, {"a"}, 1) == "1");
        auto twice = perl.evaluate(PerlJob{{"a"}, 2, 1, std::nullopt}, {PerlCall{0, 1}, PerlCall{0, 1}});
        CHECK(twice.find({0, 1})->text == "2");
        CHECK(twice.size() == 1);
        CHECK(value_of(perl, {"a"}, 2) == "2"); // the same job again (its tag, then its command)
        auto command = perl.evaluate(PerlJob{{"a"}, 2, 1, std::nullopt, true}, {PerlCall{0, 1}});
        CHECK(command.find({0, 1})->text == "2");
        CHECK(value_of(perl, {"a"}, 2) == "3"); // after its command's batch: a retry evaluates again
        CHECK(value_of(perl, {"a"}, 4) == "4");
    }
}

TEST_CASE("The perl co-process's errors name the expression")
{
    CHECK_THROWS_WITH_AS(PerlCoprocess({"s/a/b/", "1/"}), doctest::Contains("'{=1/=}' does not compile"),
                         fanout::Error);
    PerlCoprocess perl({"die 'no'"});
    CHECK_THROWS_WITH_AS(value_of(perl, {"a"}), doctest::Contains("'{=die 'no'=}' died in job 1: no at"),
                         fanout::Error);
    CHECK_THROWS_WITH_AS(PerlCoprocess({"1"}, "no-such-perl-here"),
                         "cannot start no-such-perl-here to evaluate {= =} expressions", fanout::Error);
}

TEST_CASE("A perl co-process killed mid-run is reported, not waited for")
{
    PerlCoprocess perl({"$_"});
    CHECK(value_of(perl, {"a"}) == "a");
    REQUIRE(::kill(perl.pid(), SIGKILL) == 0);
    CHECK_THROWS_WITH_AS(
        value_of(perl, {"b"}, 2),
        "the perl co-process that evaluates {= =} expressions died: no more jobs are started", fanout::Error);
}
