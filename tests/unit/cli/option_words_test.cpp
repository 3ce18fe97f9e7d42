#include "option_words.hpp"
#include "options.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using fanout::names_any;
using fanout::OptionWords;
using fanout::scan_option_words;

namespace {

OptionWords scan(std::vector<const char*> words)
{
    words.insert(words.begin(), "fanout");
    return scan_option_words(static_cast<int>(words.size()), words.data());
}

} // namespace

TEST_CASE("option words: long names without values, short letters of every cluster")
{
    OptionWords words = scan({"--jobs=4", "-kX", "--tag", "gzip", "-9"});
    CHECK(words.long_names == std::vector<std::string_view>{"--jobs", "--tag"});
    CHECK(words.short_letters == "kX9");
    CHECK(names_any("-j -P --jobs", words));
    CHECK(names_any("--group -k --keep-order", words));
    CHECK(names_any("-X -N", words));
    CHECK_FALSE(names_any("-S --sshlogin --ssh", words));
    CHECK_FALSE(names_any("--tagstring", words)); // whole names only
    CHECK_FALSE(names_any("", words));
}

TEST_CASE("option words: nothing after ':::', '::::' or '--' counts")
{
    OptionWords words = scan({"echo", ":::", "--pipe", "-S"});
    CHECK(words.long_names.empty());
    CHECK(words.short_letters.empty());
    CHECK(scan({"--", "--ssh"}).long_names.empty());
    CHECK(scan({"::::", "-k"}).short_letters.empty());
    CHECK(scan({"-"}).short_letters.empty()); // '-' alone is a value (stdin)
}

TEST_CASE("option words: every option of every group is in its group's list")
{
    // A name missing from its list would leave the option unknown on a command line
    // that names nothing else of its group.
    CHECK(fanout::unlisted_option_names() == std::vector<std::string>{});
}

TEST_CASE("option words: a command line naming one group parses as with all of them")
{
    const char* argv[] = {"fanout", "-S", "2/host1", "--env", "HOME", "echo", ":::", "a"};
    fanout::ParseResult result = fanout::parse_command_line(8, argv);
    REQUIRE(result.options);
    REQUIRE(result.options->sshlogins.size() == 1);
    CHECK(result.options->sshlogins.front().slots == 2U);
    CHECK(result.options->command.command == std::vector<std::string>{"echo"});
}
