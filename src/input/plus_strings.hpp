// PlusStrings: GNU parallel's --plus replacement strings ({+/}, {..}, {:-x}, {/re/str}...),
// recognised in a command once and turned into a ValueTransform that each job only applies.
#pragma once

#include "command_template.hpp"
#include "regex.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace fanout {

// One perl s/// of GNU's --plus definitions, on PCRE2 (bytes, perl's defaults for . and $).
struct Substitution {
    enum class Insert { text, group1, group1_upper, group1_lower };
    std::string pattern;
    Insert insert = Insert::text; // what replaces a match: `text`, or $1 (uc($1), lc($1))
    std::string text;
    bool global = false;      // s///g
    bool if_no_match = false; // perl's `previous || this`: runs only when the previous matched nothing
};

// What a --plus replacement string does to one value, as GNU's perl code does it.
class ValueTransform {
public:
    struct Default { // $_ ||= text: an empty value or "0" becomes text
        std::string text;
    };
    struct CutPrefix { // substr($_, 0, n) = "": the first n bytes go
        std::size_t length;
    };
    struct Substring { // $_ = substr($_, offset, length)
        std::size_t offset;
        std::size_t length;
    };

    // Compiles the patterns. Throws Error naming `what` for a bad one.
    ValueTransform(const std::vector<Substitution>& steps, std::string_view what);
    explicit ValueTransform(std::variant<Default, CutPrefix, Substring> operation);

    // Throws Error when a pattern reaches one of PCRE2's limits on this value.
    [[nodiscard]] std::string apply(std::string_view value) const;

private:
    struct Step {
        mutable Regex regex; // its match state changes; one thread runs the jobs
        Substitution substitution;
    };
    std::vector<Step> m_steps;
    std::variant<std::monostate, Default, CutPrefix, Substring> m_operation;
    std::string m_what;
};

// Perl's \Q: `text` with every character but a word character escaped, a PCRE2 pattern
// that matches only itself.
std::string quote_meta(std::string_view text);

// Perl's make_regexp_ungreedy as GNU parallel writes it: a `?` after every * + and }
// outside a character class that has none yet.
std::string make_regexp_ungreedy(std::string_view regexp);

// The --plus replacement string at text[pos] and its length, or nothing. Throws Error on
// the --plus strings fanout refuses ({host}, {sshlogin}...) and a bad regex.
std::optional<std::pair<Replacement, std::size_t>> match_plus_string(std::string_view text, std::size_t pos);

// The width GNU parallel pads {0#} and {0%} to: 1 + int(log(n) / log(10)), with its
// floating point (1000 gives 3).
std::size_t gnu_padding_width(std::size_t n);

} // namespace fanout
