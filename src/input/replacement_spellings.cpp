#include "replacement_spellings.hpp"

#include "error.hpp"
#include "plus_strings.hpp"

#include <algorithm>
#include <cctype>

namespace fanout {

namespace {

using Spelling = ReplacementSpellings::Spelling;

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

bool is_run_char(char c)
{
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '/' || c == '#' || c == '%';
}

Replacement replacement(Replacement::Kind kind, Modifier modifier = Modifier::none)
{
    Replacement r;
    r.kind = kind;
    r.modifier = modifier;
    return r;
}

// The spellings matched as they are, longest first (as GNU parallel, for names that
// share a prefix). A name given to two replacement strings is the renamed one's (the
// later option's, in GNU parallel's order, when both were renamed).
std::vector<Spelling> exact_spellings(const ReplacementNames& names)
{
    using Kind = Replacement::Kind;
    const ReplacementNames standard;
    std::vector<Spelling> all = {
        {names.all, replacement(Kind::all_args, Modifier::none), names.all != standard.all},
        {names.no_extension, replacement(Kind::all_args, Modifier::no_extension),
         names.no_extension != standard.no_extension},
        {names.basename, replacement(Kind::all_args, Modifier::basename),
         names.basename != standard.basename},
        {names.dirname, replacement(Kind::all_args, Modifier::dirname), names.dirname != standard.dirname},
        {names.seq, replacement(Kind::seq), names.seq != standard.seq},
        {names.slot, replacement(Kind::slot), names.slot != standard.slot},
        {names.basename_no_extension, replacement(Kind::all_args, Modifier::basename_no_extension),
         names.basename_no_extension != standard.basename_no_extension},
    };
    std::vector<Spelling> spellings;
    for (std::size_t i = 0; i < all.size(); ++i) {
        bool taken = std::any_of(all.begin() + static_cast<std::ptrdiff_t>(i) + 1, all.end(),
                                 [&](const Spelling& s) { return s.renamed && s.name == all[i].name; }) ||
                     (!all[i].renamed && std::any_of(all.begin(), all.end(), [&](const Spelling& s) {
                         return s.renamed && s.name == all[i].name;
                     }));
        if (!taken) {
            spellings.push_back(all[i]);
        }
    }
    std::stable_sort(spellings.begin(), spellings.end(),
                     [](const Spelling& a, const Spelling& b) { return a.name.size() > b.name.size(); });
    return spellings;
}

// The argument spellings of the form {X}, as the X that may follow the digits of {NX}.
std::vector<Spelling> positional_spellings(const std::vector<Spelling>& exact)
{
    std::vector<Spelling> inner;
    for (const auto& spelling : exact) {
        const std::string& name = spelling.name;
        if (spelling.replacement.kind == Replacement::Kind::all_args && name.size() >= 2 &&
            name.front() == '{' && name.back() == '}') {
            inner.push_back({name.substr(1, name.size() - 2), spelling.replacement});
        }
    }
    return inner;
}

// Throws when text[pos] starts what looks like a replacement string that never ends.
void refuse_unterminated(std::string_view text, std::size_t pos)
{
    std::size_t end = pos + 1;
    while (end < text.size() && is_run_char(text[end])) {
        ++end;
    }
    if (end > pos + 1 && (end == text.size() || is_space(text[end]))) {
        throw Error("unterminated replacement string '" + std::string(text.substr(pos, end - pos)) +
                    "' in the command");
    }
}

// Parses "{N...}" at text[pos]; returns the replacement and its length, or nothing when
// the brace is literal text. Throws when it starts a replacement string that never ends.
std::optional<std::pair<Replacement, std::size_t>> match_positional(std::string_view text, std::size_t pos,
                                                                    const std::vector<Spelling>& inner)
{
    std::size_t j = pos + 1;
    bool from_end =
        j + 1 < text.size() && text[j] == '-' && std::isdigit(static_cast<unsigned char>(text[j + 1]));
    j += from_end ? 1 : 0; // {-N}: counted from the last argument
    std::size_t index = 0;
    std::size_t digits = 0;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) {
        index = index * 10 + static_cast<std::size_t>(text[j] - '0');
        ++j;
        ++digits;
    }
    for (const auto& spelling : inner) {
        if (digits == 0 || digits >= 10 || text.substr(j, spelling.name.size() + 1) != spelling.name + "}") {
            continue;
        }
        std::size_t length = j + spelling.name.size() + 1 - pos;
        if ((digits > 1 || from_end) && index == 0) {
            throw Error("replacement string '" + std::string(text.substr(pos, length)) +
                        "' in the command: sources count from 1 ({0} is the same as {})");
        }
        Replacement r = spelling.replacement;
        r.index = index; // {0} is {}, as in GNU parallel
        r.from_end = from_end;
        r.kind = index == 0 ? Replacement::Kind::all_args : Replacement::Kind::positional;
        return std::pair{r, length};
    }
    refuse_unterminated(text, pos);
    return std::nullopt;
}

} // namespace

ReplacementSpellings::ReplacementSpellings(const ReplacementNames& names)
    : m_exact(exact_spellings(names)), m_inner(positional_spellings(m_exact)), m_plus(names.plus)
{
}

std::optional<std::pair<Replacement, std::size_t>> ReplacementSpellings::match(std::string_view text,
                                                                               std::size_t pos) const
{
    // GNU parallel replaces its longest keys first: the --plus keys are longer than the
    // standard ones (and share no prefix with them), but a rename (-I {+/}) replaces a
    // --plus key of the same name.
    if (m_plus) {
        auto renamed = std::find_if(m_exact.begin(), m_exact.end(), [&](const Spelling& s) {
            return s.renamed && text.substr(pos, s.name.size()) == s.name;
        });
        if (renamed != m_exact.end()) {
            return std::pair{renamed->replacement, renamed->name.size()};
        }
        if (auto plus = match_plus_string(text, pos)) {
            return plus;
        }
    }
    for (const auto& spelling : m_exact) {
        if (text.substr(pos, spelling.name.size()) == spelling.name) {
            return std::pair{spelling.replacement, spelling.name.size()};
        }
    }
    return text[pos] == '{' ? match_positional(text, pos, m_inner) : std::nullopt;
}

} // namespace fanout
