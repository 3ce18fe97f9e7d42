// ReplacementSpellings: where a command's text holds a replacement string, as -I and
// GNU parallel's renames (--er, --bnr, ...) spell them.
#pragma once

#include "command_template.hpp"
#include "regex.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout {

class ReplacementSpellings {
public:
    explicit ReplacementSpellings(const ReplacementNames& names);

    // The replacement string at text[pos] and its length, or nothing when text[pos] is
    // literal. Throws Error on one that never ends ("{1." at the end of a word), {00},
    // and the --plus strings fanout refuses.
    [[nodiscard]] std::optional<std::pair<Replacement, std::size_t>> match(std::string_view text,
                                                                           std::size_t pos) const;

    // A spelling and what it stands for.
    struct Spelling {
        std::string name;
        Replacement replacement;
        bool renamed = false;
    };

    // An --rpl tag as a pattern anchored where it is tried: plain, and positional
    // ({N...}, for a tag that starts with '{').
    struct Rpl {
        std::size_t length = 0; // of the tag as written
        std::string code;
        Regex plain;
        std::optional<Regex> positional;
    };

private:
    [[nodiscard]] std::optional<std::pair<Replacement, std::size_t>> match_perl(std::string_view text,
                                                                                std::size_t pos) const;
    [[nodiscard]] std::optional<std::pair<Replacement, std::size_t>> match_rpl(std::string_view text,
                                                                               std::size_t pos) const;
    [[nodiscard]] std::optional<std::pair<Replacement, std::size_t>> match_plus(std::string_view text,
                                                                                std::size_t pos) const;

    std::shared_ptr<PerlExpressions> m_perl;
    mutable std::vector<Rpl> m_rpl; // longest first; mutable: a search keeps its match state
    std::vector<Spelling> m_exact;  // matched as they are, longest first
    std::vector<Spelling> m_inner;  // the X of each {X}, which {NX} may hold after N
    bool m_plus = false;            // --plus strings are tried first, as GNU's longer keys
};

} // namespace fanout
