#include "command_template.hpp"
#include "error.hpp"
#include "plus_strings.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using fanout::CommandTemplate;
using fanout::Error;
using fanout::gnu_padding_width;
using fanout::JobValues;
using fanout::make_regexp_ungreedy;
using fanout::ReplacementNames;
using fanout::TemplateSyntax;

using Argv = std::vector<std::string>;

namespace {

// A --tagstring-like text filled in once.
std::string expand_plain(const std::string& text, const JobValues& values, const ReplacementNames& names)
{
    return fanout::PlainTemplate(text, names).expand(values);
}

ReplacementNames plus_names()
{
    ReplacementNames names;
    names.plus = true;
    return names;
}

// What a --plus string makes of one value, as --tagstring would show it.
std::string plus(const std::string& form, const std::string& value)
{
    Argv args{value};
    return expand_plain(form, JobValues{args, 1, 1}, plus_names());
}

TemplateSyntax plus_syntax()
{
    TemplateSyntax syntax;
    syntax.names.plus = true;
    return syntax;
}

Argv expand_argv(const Argv& words, const Argv& args, TemplateSyntax syntax = plus_syntax())
{
    return CommandTemplate(words, syntax).expand(JobValues{args, 3, 2, 120, 16}).argv;
}

struct Case {
    const char* form;
    const char* value;
    const char* expected;
};

// GNU parallel 20221122's answers: parallel --plus -k -q printf '%s\0' FORM ::: VALUES
const Case k_gnu_answers[] = {
    {"{+/}", "dir/sub/file.tar.gz", "dir/sub"},
    {"{+/}", "file", ""},
    {"{+/}", ".bashrc", ""},
    {"{+/}", "dir/", "dir"},
    {"{+/}", "a.b.c.d", ""},
    {"{+/}", "", ""},
    {"{+/}", "0", ""},
    {"{+/}", "x y.TXT", ""},
    {"{+.}", "dir/sub/file.tar.gz", "gz"},
    {"{+.}", "file", ""},
    {"{+.}", ".bashrc", "bashrc"},
    {"{+.}", "dir/", ""},
    {"{+.}", "a.b.c.d", "d"},
    {"{+.}", "", ""},
    {"{+.}", "0", ""},
    {"{+.}", "x y.TXT", "TXT"},
    {"{+..}", "dir/sub/file.tar.gz", "tar.gz"},
    {"{+..}", "file", ""},
    {"{+..}", ".bashrc", ""},
    {"{+..}", "dir/", ""},
    {"{+..}", "a.b.c.d", "c.d"},
    {"{+..}", "", ""},
    {"{+..}", "0", ""},
    {"{+..}", "x y.TXT", ""},
    {"{+...}", "dir/sub/file.tar.gz", ""},
    {"{+...}", "file", ""},
    {"{+...}", ".bashrc", ""},
    {"{+...}", "dir/", ""},
    {"{+...}", "a.b.c.d", "b.c.d"},
    {"{+...}", "", ""},
    {"{+...}", "0", ""},
    {"{+...}", "x y.TXT", ""},
    {"{..}", "dir/sub/file.tar.gz", "dir/sub/file"},
    {"{..}", "file", "file"},
    {"{..}", ".bashrc", ".bashrc"},
    {"{..}", "dir/", "dir/"},
    {"{..}", "a.b.c.d", "a.b"},
    {"{..}", "", ""},
    {"{..}", "0", "0"},
    {"{..}", "x y.TXT", "x y.TXT"},
    {"{...}", "dir/sub/file.tar.gz", "dir/sub/file.tar.gz"},
    {"{...}", "file", "file"},
    {"{...}", ".bashrc", ".bashrc"},
    {"{...}", "dir/", "dir/"},
    {"{...}", "a.b.c.d", "a"},
    {"{...}", "", ""},
    {"{...}", "0", "0"},
    {"{...}", "x y.TXT", "x y.TXT"},
    {"{/..}", "dir/sub/file.tar.gz", "file"},
    {"{/..}", "file", "file"},
    {"{/..}", ".bashrc", ".bashrc"},
    {"{/..}", "dir/", ""},
    {"{/..}", "a.b.c.d", "a.b"},
    {"{/..}", "", ""},
    {"{/..}", "0", "0"},
    {"{/..}", "x y.TXT", "x y.TXT"},
    {"{/...}", "dir/sub/file.tar.gz", "file.tar.gz"},
    {"{/...}", "file", "file"},
    {"{/...}", ".bashrc", ".bashrc"},
    {"{/...}", "dir/", ""},
    {"{/...}", "a.b.c.d", "a"},
    {"{/...}", "", ""},
    {"{/...}", "0", "0"},
    {"{/...}", "x y.TXT", "x y.TXT"},
    {"{:-X}", "dir/sub/file.tar.gz", "dir/sub/file.tar.gz"},
    {"{:-X}", "file", "file"},
    {"{:-X}", ".bashrc", ".bashrc"},
    {"{:-X}", "dir/", "dir/"},
    {"{:-X}", "a.b.c.d", "a.b.c.d"},
    {"{:-X}", "", "X"},
    {"{:-X}", "0", "X"},
    {"{:-X}", "x y.TXT", "x y.TXT"},
    {"{:2}", "dir/sub/file.tar.gz", "r/sub/file.tar.gz"},
    {"{:2}", "file", "le"},
    {"{:2}", ".bashrc", "ashrc"},
    {"{:2}", "dir/", "r/"},
    {"{:2}", "a.b.c.d", "b.c.d"},
    {"{:2}", "", ""},
    {"{:2}", "0", ""},
    {"{:2}", "x y.TXT", "y.TXT"},
    {"{:1:3}", "dir/sub/file.tar.gz", "ir/"},
    {"{:1:3}", "file", "ile"},
    {"{:1:3}", ".bashrc", "bas"},
    {"{:1:3}", "dir/", "ir/"},
    {"{:1:3}", "a.b.c.d", ".b."},
    {"{:1:3}", "", ""},
    {"{:1:3}", "0", ""},
    {"{:1:3}", "x y.TXT", " y."},
    {"{#d.r}", "dir/sub/file.tar.gz", "/sub/file.tar.gz"},
    {"{#d.r}", "file", "file"},
    {"{#d.r}", ".bashrc", ".bashrc"},
    {"{#d.r}", "dir/", "/"},
    {"{#d.r}", "a.b.c.d", "a.b.c.d"},
    {"{#d.r}", "", ""},
    {"{#d.r}", "0", "0"},
    {"{#d.r}", "x y.TXT", "x y.TXT"},
    {"{%.*}", "dir/sub/file.tar.gz", "dir/sub/file.tar.gz"},
    {"{%.*}", "file", "file"},
    {"{%.*}", ".bashrc", ".bashrc"},
    {"{%.*}", "dir/", "dir/"},
    {"{%.*}", "a.b.c.d", "a.b.c.d"},
    {"{%.*}", "", ""},
    {"{%.*}", "0", "0"},
    {"{%.*}", "x y.TXT", "x y.TXT"},
    {"{%%.*}", "dir/sub/file.tar.gz", ""},
    {"{%%.*}", "file", ""},
    {"{%%.*}", ".bashrc", ""},
    {"{%%.*}", "dir/", ""},
    {"{%%.*}", "a.b.c.d", ""},
    {"{%%.*}", "", ""},
    {"{%%.*}", "0", ""},
    {"{%%.*}", "x y.TXT", ""},
    {"{/./_}", "dir/sub/file.tar.gz", "_ir/sub/file.tar.gz"},
    {"{/./_}", "file", "_ile"},
    {"{/./_}", ".bashrc", "_bashrc"},
    {"{/./_}", "dir/", "_ir/"},
    {"{/./_}", "a.b.c.d", "_.b.c.d"},
    {"{/./_}", "", ""},
    {"{/./_}", "0", "_"},
    {"{/./_}", "x y.TXT", "_ y.TXT"},
    {"{//./_}", "dir/sub/file.tar.gz", "___________________"},
    {"{//./_}", "file", "____"},
    {"{//./_}", ".bashrc", "_______"},
    {"{//./_}", "dir/", "____"},
    {"{//./_}", "a.b.c.d", "_______"},
    {"{//./_}", "", ""},
    {"{//./_}", "0", "_"},
    {"{//./_}", "x y.TXT", "_______"},
    {"{/#d/D}", "dir/sub/file.tar.gz", "Dir/sub/file.tar.gz"},
    {"{/#d/D}", "file", "file"},
    {"{/#d/D}", ".bashrc", ".bashrc"},
    {"{/#d/D}", "dir/", "Dir/"},
    {"{/#d/D}", "a.b.c.d", "a.b.c.d"},
    {"{/#d/D}", "", ""},
    {"{/#d/D}", "0", "0"},
    {"{/#d/D}", "x y.TXT", "x y.TXT"},
    {"{/%z/Z}", "dir/sub/file.tar.gz", "dir/sub/file.tar.gZ"},
    {"{/%z/Z}", "file", "file"},
    {"{/%z/Z}", ".bashrc", ".bashrc"},
    {"{/%z/Z}", "dir/", "dir/"},
    {"{/%z/Z}", "a.b.c.d", "a.b.c.d"},
    {"{/%z/Z}", "", ""},
    {"{/%z/Z}", "0", "0"},
    {"{/%z/Z}", "x y.TXT", "x y.TXT"},
    {"{^d}", "dir/sub/file.tar.gz", "Dir/sub/file.tar.gz"},
    {"{^d}", "file", "file"},
    {"{^d}", ".bashrc", ".bashrc"},
    {"{^d}", "dir/", "Dir/"},
    {"{^d}", "a.b.c.d", "a.b.c.d"},
    {"{^d}", "", ""},
    {"{^d}", "0", "0"},
    {"{^d}", "x y.TXT", "x y.TXT"},
    {"{^^[a-e]}", "dir/sub/file.tar.gz", "Dir/suB/filE.tAr.gz"},
    {"{^^[a-e]}", "file", "filE"},
    {"{^^[a-e]}", ".bashrc", ".BAshrC"},
    {"{^^[a-e]}", "dir/", "Dir/"},
    {"{^^[a-e]}", "a.b.c.d", "A.B.C.D"},
    {"{^^[a-e]}", "", ""},
    {"{^^[a-e]}", "0", "0"},
    {"{^^[a-e]}", "x y.TXT", "x y.TXT"},
    {"{,,[A-Z]}", "dir/sub/file.tar.gz", "dir/sub/file.tar.gz"},
    {"{,,[A-Z]}", "file", "file"},
    {"{,,[A-Z]}", ".bashrc", ".bashrc"},
    {"{,,[A-Z]}", "dir/", "dir/"},
    {"{,,[A-Z]}", "a.b.c.d", "a.b.c.d"},
    {"{,,[A-Z]}", "", ""},
    {"{,,[A-Z]}", "0", "0"},
    {"{,,[A-Z]}", "x y.TXT", "x y.txt"},
    {"{//x*/-}", "dir/sub/file.tar.gz", "-d-i-r-/-s-u-b-/-f-i-l-e-.-t-a-r-.-g-z-"},
    {"{//x*/-}", "file", "-f-i-l-e-"},
    {"{//x*/-}", ".bashrc", "-.-b-a-s-h-r-c-"},
    {"{//x*/-}", "dir/", "-d-i-r-/-"},
    {"{//x*/-}", "a.b.c.d", "-a-.-b-.-c-.-d-"},
    {"{//x*/-}", "", "-"},
    {"{//x*/-}", "0", "-0-"},
    {"{//x*/-}", "x y.TXT", "-- -y-.-T-X-T-"},
    {"{#(d)i}", "dir/sub/file.tar.gz", "d"},
    {"{#(d)i}", "file", "file"},
    {"{#(d)i}", ".bashrc", ".bashrc"},
    {"{#(d)i}", "dir/", "d"},
    {"{#(d)i}", "a.b.c.d", "a.b.c.d"},
    {"{#(d)i}", "", ""},
    {"{#(d)i}", "0", "0"},
    {"{#(d)i}", "x y.TXT", "x y.TXT"},
    {"{%%[.]*}", "dir/sub/file.tar.gz", "dir/sub/file.tar.gz"},
    {"{%%[.]*}", "file", "file"},
    {"{%%[.]*}", ".bashrc", ".bashrc"},
    {"{%%[.]*}", "dir/", "dir/"},
    {"{%%[.]*}", "a.b.c.d", "a.b.c.d"},
    {"{%%[.]*}", "", ""},
    {"{%%[.]*}", "0", "0"},
    {"{%%[.]*}", "x y.TXT", "x y.TXT"},
};

} // namespace

TEST_CASE("--plus: every form gives GNU parallel's answer")
{
    for (const auto& c : k_gnu_answers) {
        CAPTURE(c.form);
        CAPTURE(c.value);
        CHECK(plus(c.form, c.value) == c.expected);
    }
}

TEST_CASE("--plus: the pieces recompose the value, as GNU parallel's --help says")
{
    for (const std::string value : {"dir/sub/file.tar.gz", "d.x/a.b.c.d", "a/b.c.d"}) {
        CAPTURE(value);
        CHECK(plus("{+/}/{/}", value) == value);
        CHECK(plus("{.}.{+.}", value) == value);
        CHECK(plus("{+/}/{/..}.{+..}", value) == value);
    }
    CHECK(plus("{...}.{+...}", "d.x/a.b.c.d") == "d.x/a.b.c.d"); // three extensions
    CHECK(plus("{+/}/{/...}.{+...}", "d.x/a.b.c.d") == "d.x/a.b.c.d");
}

TEST_CASE("--plus: without it the forms are literal text, as in GNU parallel")
{
    Argv args{"a/b.c"};
    for (const std::string form : {"{+/}", "{..}", "{##}", "{:-x}", "{/b/x}", "{^a}", "{0#}"}) {
        CAPTURE(form);
        CHECK(expand_plain(form, JobValues{args, 1, 1}, ReplacementNames{}) == form);
    }
}

TEST_CASE("--plus: {##} {0#} {0%} count the jobs and slots, padded as GNU parallel pads")
{
    Argv args{"a"};
    CHECK(expand_plain("{##} {0#} {0%} {slot}", JobValues{args, 7, 3, 120, 16}, plus_names()) ==
          "120 007 03 3");
    CHECK(expand_plain("{0#}", JobValues{args, 7, 3, 9, 1}, plus_names()) == "7");
    CHECK(expand_plain("{0#}", JobValues{args, 7, 3, 10, 1}, plus_names()) == "07");
    CHECK(gnu_padding_width(1) == 1);
    CHECK(gnu_padding_width(99) == 2);
    CHECK(gnu_padding_width(100) == 3);
    CHECK(gnu_padding_width(1000) == 3); // log(1000)/log(10) is 2.9999999999999996 in GNU's perl too
    CHECK(gnu_padding_width(10000) == 5);
}

TEST_CASE("--plus: positional forms apply to the N-th argument")
{
    Argv args{"a/b.tar.gz", "X Y", ""};
    CHECK(expand_argv({"echo", "{1+/}", "{1..}", "{-3+..}", "{2/ /_}", "{3:-none}", "{2:1:1}", "{0+.}"},
                      args) == Argv{"echo", "a", "a/b", "tar.gz", "X_Y", "none", " ", "gz", "", ""});
    CHECK_THROWS_AS(expand_argv({"echo", "{2##}"}, args), Error);
    CHECK_THROWS_AS(expand_argv({"echo", "{20#}"}, args), Error);
    CHECK_THROWS_AS(expand_argv({"echo", "{00+/}"}, args), Error);
}

TEST_CASE("--plus: a form never spans two words of the command, as GNU matches in each")
{
    CHECK(expand_argv({"echo", "{/a", "b/c}"}, {"xa b"}).back() == "echo {/a b/c} 'xa b'");
    CHECK(expand_argv({"echo", "{/a b/c}"}, {"xa b"}) == Argv{"echo", "xc"});
}

TEST_CASE("--plus: -I renames {} only; a renamed spelling wins over a --plus one")
{
    TemplateSyntax syntax = plus_syntax();
    syntax.names.all = "XX";
    CHECK(expand_argv({"echo", "XX", "{+.}"}, {"a.b"}, syntax) == Argv{"echo", "a.b", "b"});
    syntax.names.all = "{+/}";
    CHECK(expand_argv({"echo", "{+/}"}, {"a/b"}, syntax) == Argv{"echo", "a/b"});
}

TEST_CASE("--plus: with -X the word repeats with the form on each argument")
{
    TemplateSyntax syntax = plus_syntax();
    syntax.context_replace = true;
    CHECK(expand_argv({"echo", "x{/..}"}, {"a/b.c.d", "e.f.g"}, syntax) == Argv{"echo", "xb", "xe"});
}

TEST_CASE("--plus: the strings GNU bases on ssh hosts are refused")
{
    for (const std::string form : {"{host}", "{sshlogin}", "{hgrp}", "{agrp}"}) {
        CAPTURE(form);
        CHECK_THROWS_AS(expand_argv({"echo", form}, {"a"}), Error);
    }
}

TEST_CASE("--plus: a bad regex is an error when the command is read")
{
    CHECK_THROWS_AS(expand_argv({"echo", "{/a(/b}"}, {"a"}), Error);
}

TEST_CASE("make_regexp_ungreedy: GNU parallel's rewrite")
{
    CHECK(make_regexp_ungreedy("a*b+c") == "a*?b+?c");
    CHECK(make_regexp_ungreedy("a*?") == "a*?");
    CHECK(make_regexp_ungreedy("a{2,3}") == "a{2,3}?");
    CHECK(make_regexp_ungreedy(R"(a\*[*+]b)") == R"(a\*[*+]b)");
    CHECK(make_regexp_ungreedy("x.*") == "x.*?");
}

TEST_CASE("--plus: {choose_k} and {uniq} stand for {} and ask to skip jobs as GNU's skip()")
{
    CommandTemplate command({"echo", "{choose_k}", "{2uniq}"}, plus_syntax());
    CHECK(command.needs().increasing);
    CHECK(command.needs().unique);
    CHECK_FALSE(command.needs().total_jobs);
    CHECK(command.expand(JobValues{{"a", "b"}, 1, 1}).argv == Argv{"echo", "a", "b", "b"});
    CHECK(CommandTemplate({"echo", "{0#}"}, plus_syntax()).needs().total_jobs);
    CHECK_FALSE(CommandTemplate({"echo", "{}"}, plus_syntax()).needs().increasing);

    fanout::TemplateNeeds increasing;
    increasing.increasing = true;
    CHECK_FALSE(fanout::skips(increasing, {"a", "b", "c"}));
    CHECK(fanout::skips(increasing, {"a", "c", "b"}));
    CHECK(fanout::skips(increasing, {"a", "a"}));        // perl's ge: equal ones skip
    CHECK(fanout::skips(increasing, {"\xc3\xa9", "e"})); // bytes: 0xc3 sorts after 'e'
    CHECK_FALSE(fanout::skips(increasing, {"b"}));
    fanout::TemplateNeeds unique;
    unique.unique = true;
    CHECK_FALSE(fanout::skips(unique, {"b", "a"}));
    CHECK(fanout::skips(unique, {"a", "b", "a"}));
    CHECK(fanout::skips(unique, {"", "a"})); // GNU's undefined first argument collides with ""
    CHECK_FALSE(fanout::skips(fanout::TemplateNeeds{}, {"a", "a"}));
}
