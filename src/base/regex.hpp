// Regex: a user's Perl-compatible regular expression (PCRE2, on bytes), whose every
// search ends: match, depth and memory limits bound the work any pattern does on any
// subject, and a search that reaches one says so instead of crashing or stalling.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// How a Regex is compiled.
struct RegexFlags {
    bool multiline = false; // ^ and $ also match at line breaks (Perl's /m)
    bool partial = false;   // find() may be asked for partial matches (streams)
};

// Options for one search.
struct RegexSearch {
    bool not_empty_at_start = false; // an empty match at `start` does not count
    bool partial = false;            // a match cut short by the end of the subject is Found::partial
};

class Regex {
public:
    enum class Found { match, none, partial, limit };

    using Flags = RegexFlags;
    using Search = RegexSearch;

    // A match or a capture group: [begin, end) in the subject; npos when a group took
    // no part in the match.
    struct Span {
        std::size_t begin = std::string_view::npos;
        std::size_t end = std::string_view::npos;
        [[nodiscard]] bool is_set() const { return begin != std::string_view::npos; }
    };

    // Compiles (and JIT-compiles where the machine allows). Throws Error
    // "<what>: <PCRE2's message> at offset N in '<pattern>'" for a bad pattern.
    Regex(std::string_view pattern, std::string_view what, Flags flags = {});
    Regex(const Regex& other); // shares the compiled pattern, has its own match state
    Regex& operator=(const Regex& other);
    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;
    ~Regex();

    // The first match at or after `start` (lookbehind, ^ and \b see what is before
    // it). After Found::match, group() tells where; after Found::partial, group(0)
    // begins where the unfinished match began.
    Found find(std::string_view subject, std::size_t start, Search search = {});

    // Group `index` (0: the whole match) of the last match found.
    [[nodiscard]] Span group(std::size_t index) const;
    [[nodiscard]] std::size_t group_count() const; // capture groups, not counting 0

    [[nodiscard]] const std::string& pattern() const;
    // After Found::limit: which limit, as a phrase ("PCRE2's match limit was reached").
    [[nodiscard]] const std::string& limit_reached() const;

private:
    struct Compiled;
    struct State;
    std::shared_ptr<const Compiled> m_compiled;
    std::unique_ptr<State> m_state;
};

// Splits `subject` as Perl's split(/regex/, subject, -1) does, which is how GNU parallel
// splits --colsep columns: a separator that matches at the very start gives an empty
// first field only when it matches something; captured groups are fields too (empty
// when unset); trailing empty fields are kept. Appends the fields to `fields`; returns
// Found::limit (fields then undefined) or Found::none.
Regex::Found perl_split(Regex& regex, std::string_view subject, std::vector<std::string>& fields);

} // namespace fanout
