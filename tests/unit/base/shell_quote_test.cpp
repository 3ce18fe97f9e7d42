#include "shell_quote.hpp"

#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

using fanout::append_shell_quoted;
using fanout::is_shell_safe;
using fanout::shell_quote;
using fanout::shell_quoted_length;

namespace {

// Runs `script` with popen (that is, /bin/sh -c script) and returns its stdout.
std::string run_shell(const std::string& script)
{
    int code = -1;
    std::string out = fanout::test::popen_output(script, &code);
    CHECK(code == 0);
    return out;
}

// What the shell sees in `quoted`: how many words, then each word, NUL-terminated.
std::vector<std::string> shell_words(const std::string& quoted)
{
    std::string out = run_shell("set -- " + quoted + "; printf '%s\\0' \"$#\" \"$@\"");
    std::vector<std::string> words;
    std::size_t start = 0;
    for (std::size_t end; (end = out.find('\0', start)) != std::string::npos; start = end + 1) {
        words.push_back(out.substr(start, end - start));
    }
    CHECK(start == out.size()); // nothing after the last NUL
    return words;
}

std::string byte_name(unsigned char c)
{
    return "byte " + std::to_string(static_cast<int>(c));
}

} // namespace

TEST_CASE("shell_quote: safe words are left as they are")
{
    for (const char* word : {"abc", "ABC123", "a-b_c.d/e,f+g:h@i%j", "/usr/bin/env", "-n", "x.tar.gz", "0"}) {
        CAPTURE(word);
        CHECK(is_shell_safe(word));
        CHECK(shell_quote(word) == word);
    }
}

TEST_CASE("shell_quote: the empty string becomes ''")
{
    CHECK_FALSE(is_shell_safe(""));
    CHECK(shell_quote("") == "''");
    CHECK(shell_words(shell_quote("")) == std::vector<std::string>{"1", ""});
}

TEST_CASE("shell_quote: words the shell would change are single-quoted")
{
    SUBCASE("spaces")
    {
        CHECK(shell_quote("a b") == "'a b'");
        CHECK(shell_quote(" ") == "' '");
    }
    SUBCASE("single quotes")
    {
        CHECK(shell_quote("it's") == "'it'\\''s'");
        CHECK(shell_quote("'") == "''\\'''");
        CHECK(shell_words(shell_quote("it's")) == std::vector<std::string>{"1", "it's"});
        CHECK(shell_words(shell_quote("''")) == std::vector<std::string>{"1", "''"});
    }
    SUBCASE("command substitution")
    {
        CHECK(shell_quote("$(echo pwned)") == "'$(echo pwned)'");
        CHECK(shell_quote("`echo pwned`") == "'`echo pwned`'");
        CHECK(shell_words(shell_quote("$(echo pwned)")) == std::vector<std::string>{"1", "$(echo pwned)"});
        CHECK(shell_words(shell_quote("`echo pwned`")) == std::vector<std::string>{"1", "`echo pwned`"});
    }
    SUBCASE("newlines")
    {
        CHECK(shell_quote("a\nb") == "'a\nb'");
        CHECK(shell_words(shell_quote("a\nb\n")) == std::vector<std::string>{"1", "a\nb\n"});
    }
    SUBCASE("invalid UTF-8")
    {
        std::string value = "\xff\xfe\xc3(";
        CHECK_FALSE(is_shell_safe(value));
        CHECK(shell_quote(value) == "'" + value + "'");
        CHECK(shell_words(shell_quote(value)) == std::vector<std::string>{"1", value});
    }
    SUBCASE("characters special only at the start or in some positions")
    {
        for (const char* word :
             {"~", "~root", "#x", "a=b", "a*", "[ab]", "{a,b}", "a!", "x^y", "a\\b", "a\"b"}) {
            CAPTURE(word);
            CHECK_FALSE(is_shell_safe(word));
            CHECK(shell_words(shell_quote(word)) == std::vector<std::string>{"1", word});
        }
    }
}

TEST_CASE("shell_quote: every byte 1..255 reaches a real shell unchanged")
{
    for (int b = 1; b <= 255; ++b) {
        unsigned char c = static_cast<unsigned char>(b);
        std::string alone(1, static_cast<char>(c));
        std::string inside = "x" + alone + "y" + alone;
        CAPTURE(byte_name(c));
        CHECK(shell_words(shell_quote(alone) + " " + shell_quote(inside)) ==
              std::vector<std::string>{"2", alone, inside});
    }
}

TEST_CASE("shell_quote: a string of all bytes 1..255 is one word meaning itself")
{
    std::string all;
    for (int b = 1; b <= 255; ++b) {
        all += static_cast<char>(b);
    }
    CHECK(shell_words(shell_quote(all)) == std::vector<std::string>{"1", all});
    // As the command word too: 'printf' quoted still runs printf, and an
    // assignment-looking word is not an assignment.
    CHECK(run_shell(shell_quote("printf") + " %s " + shell_quote(all)) == all);
    CHECK(run_shell(shell_quote("A=1") + " 2>/dev/null; echo $?; echo \"[${A-unset}]\"") == "127\n[unset]\n");
}

TEST_CASE("shell_quote: append_shell_quoted appends to what is there")
{
    std::string out = "echo ";
    append_shell_quoted(out, "a b");
    append_shell_quoted(out, "c");
    CHECK(out == "echo 'a b'c");
}

TEST_CASE("shell_quoted_length matches shell_quote().size()")
{
    std::vector<std::string> values = {"", "a", "a b", "'", "''", "it's", "a'b'c'", "\n", "safe/path.txt"};
    std::mt19937 random(12345);
    std::uniform_int_distribution<int> length(0, 30);
    std::uniform_int_distribution<int> byte(1, 255);
    std::uniform_int_distribution<int> pick(0, 3);
    for (int i = 0; i < 500; ++i) {
        std::string value;
        for (int n = length(random); n > 0; --n) {
            int p = pick(random);
            value += p == 0 ? '\'' : p == 1 ? 'a' : static_cast<char>(byte(random));
        }
        values.push_back(value);
    }
    for (const auto& value : values) {
        CAPTURE(value);
        CHECK(shell_quoted_length(value) == shell_quote(value).size());
    }
}
