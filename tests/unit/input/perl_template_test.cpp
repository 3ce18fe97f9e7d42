#include "command_template.hpp"
#include "error.hpp"
#include "job_command.hpp"

#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

using fanout::CommandTemplate;
using fanout::JobValues;
using fanout::PerlCall;
using fanout::PerlJob;
using fanout::PerlResults;
using fanout::PerlValue;
using fanout::TemplateSyntax;

using Argv = std::vector<std::string>;

namespace {

// Stands in for perl: an expression's value is "<code>(<argument>)"; code "uq" leaves it
// unquoted and "skip" skips the job. Records each batch of calls.
class FakePerl : public fanout::PerlEvaluator {
public:
    explicit FakePerl(const fanout::PerlExpressions& expressions) : m_expressions(expressions) {}

    PerlResults evaluate(const PerlJob& job, const std::vector<PerlCall>& calls) override
    {
        batches.push_back(calls);
        lasts.push_back(job.last);
        PerlResults results;
        for (const auto& call : calls) {
            const std::string& code = m_expressions.codes().at(call.expression);
            std::string arg = call.arg == 0 ? "" : job.args.at(call.arg - 1);
            results.add(call, PerlValue{code + "(" + arg + ")", code == "uq"});
            results.skip = results.skip || code == "skip";
        }
        return results;
    }

    std::vector<std::vector<PerlCall>> batches;
    std::vector<bool> lasts; // each batch's PerlJob::last

private:
    const fanout::PerlExpressions& m_expressions;
};

// The command a template makes for `args`, its perl values from FakePerl.
fanout::Command expand(const CommandTemplate& command, const TemplateSyntax& syntax, const Argv& args)
{
    std::vector<PerlCall> calls;
    command.perl_calls(args.size(), calls);
    FakePerl perl(*syntax.names.perl);
    PerlResults results = perl.evaluate(PerlJob{args, 1, 1, std::nullopt}, calls);
    JobValues values{args, 1, 1};
    values.perl = &results;
    return command.expand(values);
}

Argv argv_of(const Argv& words, const Argv& args, TemplateSyntax syntax = {})
{
    return expand(CommandTemplate(words, syntax), syntax, args).argv;
}

} // namespace

TEST_CASE("perl expressions: {= =} is parsed once per code, {=N =} is positional")
{
    TemplateSyntax syntax;
    CommandTemplate command({"echo", "{= s/a/b/ =}", "x{=2 tr/a-z/A-Z/=}y", "{=-1 =}", "{= s/a/b/ =}"},
                            syntax);
    CHECK(command.has_perl());
    CHECK(syntax.names.perl->codes() == Argv{" s/a/b/ ", " tr/a-z/A-Z/", " "});
    std::vector<PerlCall> calls;
    command.perl_calls(3, calls);
    CHECK(calls == std::vector<PerlCall>{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {2, 3}});
    calls.clear();
    command.perl_calls(0, calls); // no argument: {= =} once with $_ empty, {=N =} not at all
    CHECK(calls == std::vector<PerlCall>{{0, 0}});
    CHECK(argv_of({"echo", "{= s/a/b/ =}", "x{=2 t =}y"}, {"p", "q"}) ==
          Argv{"echo", " s/a/b/ (p)", " s/a/b/ (q)", "x t (q)y"});
    CHECK_FALSE(CommandTemplate({"echo", "{}"}, syntax).has_perl());
}

TEST_CASE("perl expressions: an unterminated {= is refused")
{
    CHECK_THROWS_WITH_AS(CommandTemplate({"echo", "{= s/a/b/"}, TemplateSyntax{}),
                         "unterminated perl expression '{= s/a/b/' (no =} after {=)", fanout::Error);
}

TEST_CASE("perl expressions: values are quoted for the shell unless uq() was called")
{
    CHECK(argv_of({"echo {= q =} | cat"}, {"a b"}) == Argv{"/bin/sh", "-c", "echo ' q (a b)' | cat"});
    // uq(): the command runs through the shell, the value as it is.
    CHECK(argv_of({"echo", "{=uq=}"}, {"a;b"}) == Argv{"/bin/sh", "-c", "echo uq(a;b)"});
    TemplateSyntax quote;
    quote.quote_command = true; // -q: a value is an argument as it is, uq() or not
    CHECK(argv_of({"echo", "{=uq=}", "{=", "q", "=}"}, {"a b"}, quote) ==
          Argv{"echo", "uq(a b)", " q (a b)"});
}

TEST_CASE("perl expressions: -X repeats a word with {= =} for each argument")
{
    TemplateSyntax syntax;
    syntax.context_replace = true;
    CHECK(argv_of({"echo", "x{=e=}y", "{=1f=}"}, {"a", "b"}, syntax) ==
          Argv{"echo", "xe(a)y", "xe(b)y", "f(a)"});
}

TEST_CASE("perl expressions: --rpl tags, with (regex) groups and positional forms")
{
    TemplateSyntax syntax;
    syntax.names.rpl = {{"{..}", "s/x//"}, {"{.}", "longer-wins"}, {"{/(\\w+)/(\\w*)}", "s/$$1/$$2/"}};
    CommandTemplate command({"echo", "{..}", "{2..}", "{/ab/}", "{.}", "{}"}, syntax);
    CHECK(syntax.names.perl->codes() ==
          Argv{"s/x//", "$_pAr_gRp1 = \"ab\";$_pAr_gRp2 = \"\";s/$_pAr_gRp1/$_pAr_gRp2/", "longer-wins"});
    CHECK(expand(command, syntax, {"p", "q"}).argv ==
          Argv{"echo", "s/x//(p)", "s/x//(q)", "s/x//(q)",
               "$_pAr_gRp1 = \"ab\";$_pAr_gRp2 = "
               "\"\";s/$_pAr_gRp1/$_pAr_gRp2/(p)",
               "$_pAr_gRp1 = \"ab\";$_pAr_gRp2 = \"\";s/$_pAr_gRp1/$_pAr_gRp2/(q)", "longer-wins(p)",
               "longer-wins(q)", "p", "q"});
    // "{/a-b/c}" does not match the tag's \w groups: it stays literal text.
    CHECK(CommandTemplate({"echo", "{/a-b/c}"}, syntax).expand(JobValues{{}, 1, 1}).display ==
          "echo {/a-b/c} ");
    syntax.names.rpl = {{"{:(.*)}", "$$1"}};
    CommandTemplate quoted({"echo", "{:a\"$@\\}"}, syntax);
    CHECK(syntax.names.perl->codes().back() == "$_pAr_gRp1 = \"a\\\"\\$\\@\\\\\";$_pAr_gRp1");
}

TEST_CASE("perl expressions: JobCommand evaluates once per job, skips, and tags")
{
    fanout::CommandSettings settings;
    settings.command = {"echo", "{=e=}", "{=skip=}"};
    settings.tagstring = "[{=t=}]";
    fanout::JobCommand commands(settings, fanout::ArgLimits{1U << 20U, 1U << 17U, std::nullopt});
    FakePerl perl(commands.perl_expressions());
    commands.set_perl(&perl);
    fanout::JobSpec job;
    job.seq = 4;
    job.args = {"a"};
    CHECK(commands.tag(job, 2) == "[t(a)]\t");
    auto built = commands.build(job, 2);
    REQUIRE(std::holds_alternative<fanout::Skipped>(built));
    CHECK(std::get<fanout::Skipped>(built).display == "echo 'e(a)' 'skip(a)'");
    REQUIRE(perl.batches.size() == 2);
    CHECK(perl.batches[1] == std::vector<PerlCall>{{0, 1}, {1, 1}});

    settings.command = {"echo", "{= s/a/b/ =}"};
    fanout::JobCommand unwired(settings, fanout::ArgLimits{1U << 20U, 1U << 17U, std::nullopt});
    CHECK_THROWS_AS((void)unwired.build(job, 1), fanout::Error);
}

TEST_CASE("perl expressions: --results NAME is filled in with the command, in the same batch")
{
    fanout::CommandSettings settings;
    settings.command = {"echo", "{=e=}"};
    settings.results = "out/{=r=}/{#}/";
    fanout::JobCommand commands(settings, fanout::ArgLimits{1U << 20U, 1U << 17U, std::nullopt});
    CHECK(commands.results_vary());
    FakePerl perl(commands.perl_expressions());
    commands.set_perl(&perl);
    fanout::JobSpec job;
    job.seq = 7;
    job.args = {"a"};
    auto built = commands.build(job, 1);
    REQUIRE(std::holds_alternative<fanout::Command>(built));
    CHECK(std::get<fanout::Command>(built).results_path == "out/r(a)/7/");
    REQUIRE(perl.batches.size() == 1); // one round trip: the command's expressions, then the name's
    CHECK(perl.batches[0] == std::vector<PerlCall>{{0, 1}, {1, 1}});

    settings.results = "out";
    CHECK_FALSE(
        fanout::JobCommand(settings, fanout::ArgLimits{1U << 20U, 1U << 17U, std::nullopt}).results_vary());
}

TEST_CASE("perl expressions with --plus: {= =}, --rpl tags and --plus strings side by side")
{
    TemplateSyntax syntax;
    syntax.names.plus = true;
    syntax.names.rpl = {{"{..}", "user"}, {"{U}", "uc"}};
    // A user's tag takes a --plus string's place; the other --plus strings stay.
    CHECK(argv_of({"echo", "{..}", "{+..}", "{= e =}", "{U}", "{:-d}"}, {"a.tar.gz"}, syntax) ==
          Argv{"echo", "user(a.tar.gz)", "tar.gz", " e (a.tar.gz)", "uc(a.tar.gz)", "a.tar.gz"});
    // {= =} spans the command's words, as GNU's; a --plus string does not.
    CHECK(argv_of({"echo", "{=", "e", "=}", "{/a", "b/c}"}, {"a"}, syntax) ==
          Argv{"/bin/sh", "-c", "echo ' e (a)' {/a b/c}"});
}

TEST_CASE("perl expressions: {choose_k} skips a job as skip() does; total_jobs() reads ahead")
{
    fanout::CommandSettings settings;
    settings.syntax.names.plus = true;
    settings.command = {"echo", "{choose_k}", "{=e=}"};
    fanout::JobCommand commands(settings, fanout::ArgLimits{1U << 20U, 1U << 17U, std::nullopt});
    FakePerl perl(commands.perl_expressions());
    commands.set_perl(&perl);
    CHECK_FALSE(commands.needs_total_jobs());
    fanout::JobSpec job;
    job.seq = 1;
    job.args = {"b", "a"};
    auto built = commands.build(job, 1);
    REQUIRE(std::holds_alternative<fanout::Skipped>(built));
    CHECK(std::get<fanout::Skipped>(built).display == "echo b a 'e(b)' 'e(a)'");
    job.args = {"a", "b"};
    CHECK(std::holds_alternative<fanout::Command>(commands.build(job, 1)));

    fanout::CommandSettings total;
    total.command = {"echo", "{= $_ = total_jobs() =}"};
    CHECK(
        fanout::JobCommand(total, fanout::ArgLimits{1U << 20U, 1U << 17U, std::nullopt}).needs_total_jobs());
}

TEST_CASE("perl expressions: --line-buffer retags each line only for {= =} in --tagstring, as GNU parallel")
{
    // GNU stops caching when the tag's text holds "{=", something, "=}"; an --rpl tag
    // alone keeps one value per job there.
    auto per_line = [](std::string tagstring) {
        fanout::CommandSettings settings;
        settings.command = {"echo"};
        settings.syntax.names.rpl = {{"{n}", "$_=1"}};
        settings.tagstring = std::move(tagstring);
        settings.tag_per_line = true;
        return fanout::JobCommand(settings, fanout::ArgLimits{1U << 20U, 1U << 17U, std::nullopt})
            .tag_per_line();
    };
    CHECK(per_line("{= $_=1 =}"));
    CHECK(per_line("{=1 $_ =}"));
    CHECK(per_line("{n}{= $_=1 =}"));
    CHECK_FALSE(per_line("{n}"));
    CHECK_FALSE(per_line("{}"));
}

TEST_CASE("perl expressions: a job that cannot run gets its --results name from its own batch")
{
    fanout::CommandSettings settings;
    settings.command = {"echo", "{=e=}"};
    settings.results = "out/{=r=}/";
    fanout::JobCommand too_long(settings, fanout::ArgLimits{1U << 20U, 1U << 17U, 5}); // -s 5
    FakePerl perl(too_long.perl_expressions());
    too_long.set_perl(&perl);
    auto cannot_run = [&](const fanout::JobSpec& job) {
        auto built = too_long.build(job, 1);
        REQUIRE(std::holds_alternative<fanout::CannotRun>(built));
        return std::get<fanout::CannotRun>(built).results_path;
    };
    fanout::JobSpec job;
    job.args = {"a"};
    CHECK(cannot_run(job) == "out/r(a)/");
    CHECK(perl.batches.size() == 1); // not evaluated a second time (a counter would skip one)

    job.unusable = "no record"; // nothing of the command is evaluated: the name alone, the last use
    CHECK(cannot_run(job) == "out/r(a)/");
    REQUIRE(perl.batches.size() == 2);
    CHECK(perl.batches[1] == std::vector<PerlCall>{{1, 1}});
    CHECK(perl.lasts[1]);
}
