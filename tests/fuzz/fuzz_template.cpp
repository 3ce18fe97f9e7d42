// Fuzzes CommandTemplate: parsing, expansion, the batcher's size estimate, the
// modifiers, expand_plain and command_from_line.
//
// Input: one flags byte, then the command words separated by NUL; optionally a 0x01
// byte and the job's arguments, separated by NUL (else a few typical ones are used).
//   bit 0: -q   bit 1: -X   bit 2: no implicit {}   bit 3: the first word is -I's string
//   bit 4: a slot number as wide as {%} may get   bits 5-7: which sequence number
#include "fuzz_support.hpp"

#include "command_template.hpp"
#include "error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>

namespace {

using fanout::ArgvSize;
using fanout::CommandTemplate;
using fanout::JobValues;
using fanout::Modifier;

constexpr std::size_t k_max_args = 16;
constexpr std::array<std::size_t, 8> k_seqs = {1, 9, 10, 99, 12345, 1000000, 4294967296, 999999999999};
constexpr std::size_t k_widest_slot = std::numeric_limits<std::size_t>::max();

struct Case {
    std::vector<std::string> words;
    std::vector<std::string> args;
    fanout::TemplateSyntax syntax;
    std::size_t seq = 1;
    std::size_t slot = 1;
};

Case parse_case(std::string_view text)
{
    Case c;
    unsigned flags = fuzz::take_byte(text);
    std::size_t marker = text.find('\x01');
    c.words = fuzz::split(text.substr(0, marker), '\0');
    if (marker == std::string_view::npos) {
        c.args = {"dir/file.tar.gz", "it's a b", ""};
    } else {
        c.args = fuzz::split(text.substr(marker + 1), '\0');
        c.args.resize(std::min(c.args.size(), k_max_args));
    }
    c.syntax.quote_command = (flags & 1) != 0;
    c.syntax.context_replace = (flags & 2) != 0;
    c.syntax.append_args = (flags & 4) == 0;
    if ((flags & 8) != 0 && !c.words.empty() && !c.words.front().empty()) {
        c.syntax.replace_str = c.words.front(); // -I: the options parser refuses ""
        c.words.erase(c.words.begin());
    }
    c.slot = (flags & 16) != 0 ? k_widest_slot : 3;
    c.seq = k_seqs[flags >> 5];
    return c;
}

// True when some word may hold {N}: then -X's estimate is allowed to fall short (see
// CommandTemplate::add_arg), so a conservative test of the text is enough.
bool may_have_positional(const std::vector<std::string>& words)
{
    return std::any_of(words.begin(), words.end(), [](const std::string& word) {
        for (std::size_t i = 0; i + 1 < word.size(); ++i) {
            if (word[i] == '{' && std::isdigit(static_cast<unsigned char>(word[i + 1]))) {
                return true;
            }
        }
        return false;
    });
}

std::string joined(const std::vector<std::string>& words)
{
    std::string text;
    for (const auto& word : words) {
        text += text.empty() ? "" : " ";
        text += word;
    }
    return text;
}

void check_expansion(const Case& c, const CommandTemplate& command)
{
    JobValues values{c.args, c.seq, c.slot};
    fanout::Command expanded = command.expand(values);
    FUZZ_REQUIRE(expanded.via_shell == command.needs_shell());
    FUZZ_REQUIRE(c.words.empty() || !expanded.argv.empty());
    if (expanded.via_shell) {
        FUZZ_REQUIRE(expanded.argv.size() == 3 && expanded.argv[0] == c.syntax.shell &&
                     expanded.argv[1] == "-c" && expanded.argv[2] == expanded.display);
    }
    ArgvSize guess = command.base_size(c.seq);
    for (std::size_t i = 0; i < c.args.size(); ++i) {
        guess = command.add_arg(guess, i, c.args[i]);
    }
    ArgvSize real = fanout::measure(expanded.argv);
    if (!(c.syntax.context_replace && may_have_positional(c.words))) {
        FUZZ_REQUIRE(guess.bytes >= real.bytes);
        FUZZ_REQUIRE(guess.count >= real.count);
        FUZZ_REQUIRE(guess.longest >= real.longest);
    }
}

bool is_prefix(std::string_view prefix, std::string_view text)
{
    return text.substr(0, prefix.size()) == prefix;
}

void check_modifiers(std::string_view value)
{
    std::string base = fanout::apply_modifier(value, Modifier::basename);
    FUZZ_REQUIRE(base.find('/') == std::string::npos);
    FUZZ_REQUIRE(value.ends_with(base));
    std::string stem = fanout::apply_modifier(value, Modifier::basename_no_extension);
    FUZZ_REQUIRE(is_prefix(stem, base));
    FUZZ_REQUIRE(is_prefix(fanout::apply_modifier(value, Modifier::no_extension), value));
    FUZZ_REQUIRE(fanout::apply_modifier(value, Modifier::none) == value);
    std::string dir = fanout::apply_modifier(value, Modifier::dirname);
    FUZZ_REQUIRE(!dir.empty() && (dir == "." || is_prefix(dir, value)));
}

void check_plain(const Case& c)
{
    std::string text = joined(c.words);
    JobValues values{c.args, c.seq, c.slot};
    std::string out = fanout::expand_plain(text, values, c.syntax.replace_str);
    if (text.find('{') == std::string::npos && text.find(c.syntax.replace_str) == std::string::npos) {
        FUZZ_REQUIRE(out == text);
    }
}

void check_task_line(const Case& c)
{
    std::string line = joined(c.words);
    fanout::Command command = fanout::command_from_line(line, c.syntax.shell);
    FUZZ_REQUIRE(command.via_shell == fanout::text_needs_shell(line));
    if (command.via_shell) {
        FUZZ_REQUIRE(command.argv.size() == 3 && command.argv[2] == line);
        return;
    }
    FUZZ_REQUIRE(!command.argv.empty());
    for (const auto& word : command.argv) {
        FUZZ_REQUIRE(!word.empty() && word.find_first_of(" \t") == std::string::npos);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    Case c = parse_case(fuzz::as_text(data, size));
    for (const auto& arg : c.args) {
        check_modifiers(arg);
    }
    check_task_line(c);
    try {
        check_plain(c);
    } catch (const fanout::Error&) {
        // an unterminated replacement string: the user's mistake
    }
    try {
        CommandTemplate command(c.words, c.syntax);
        check_expansion(c, command);
    } catch (const fanout::Error&) {
    }
    return 0;
}
