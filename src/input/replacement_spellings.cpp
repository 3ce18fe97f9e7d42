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

// `text` inside a perl "..." string, as GNU parallel's perl_quote_scalar writes it.
std::string perl_quoted(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == '"' || c == '$' || c == '@') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

// --rpl's tag split as GNU parallel splits it: the text before the first '(', the
// group from there to the last ')', and the rest, which the tag must match in turn.
ReplacementSpellings::Rpl compile_rpl(const RplTag& tag)
{
    std::size_t open = tag.tag.find('(');
    std::size_t close = tag.tag.rfind(')');
    bool grouped = open != std::string::npos && close != std::string::npos && close > open;
    std::string prefix = grouped ? tag.tag.substr(0, open) : tag.tag;
    std::string group = grouped ? "(?x:" + tag.tag.substr(open, close + 1 - open) + ")" : "";
    std::string postfix = grouped ? tag.tag.substr(close + 1) : "";
    std::string what = "--rpl '" + tag.tag + "'";
    ReplacementSpellings::Rpl rpl{tag.tag.size(), tag.code,
                                  Regex("\\G" + quote_meta(prefix) + group + quote_meta(postfix), what),
                                  std::nullopt};
    if (!prefix.empty() && prefix.front() == '{') {
        rpl.positional.emplace(
            "\\G\\{(-?[0-9]+)\\s*" + quote_meta(prefix.substr(1)) + group + quote_meta(postfix), what);
    }
    // $$1, $$2... in the code read the groups, which are set before it runs.
    std::string code;
    for (std::size_t i = 0; i < rpl.code.size();) {
        if (rpl.code.compare(i, 2, "$$") == 0 && i + 2 < rpl.code.size() &&
            std::isdigit(static_cast<unsigned char>(rpl.code[i + 2]))) {
            code += "$_pAr_gRp";
            i += 2;
        } else {
            code += rpl.code[i++];
        }
    }
    rpl.code = std::move(code);
    return rpl;
}

} // namespace

ReplacementSpellings::ReplacementSpellings(const ReplacementNames& names)
    : m_perl(names.perl), m_exact(exact_spellings(names)), m_inner(positional_spellings(m_exact)),
      m_plus(names.plus)
{
    for (const auto& tag : names.rpl) {
        m_rpl.push_back(compile_rpl(tag));
    }
    // Longer tags first, as GNU parallel, for a short one may be part of a long one.
    std::stable_sort(m_rpl.begin(), m_rpl.end(),
                     [](const Rpl& a, const Rpl& b) { return a.length > b.length; });
}

std::optional<std::pair<Replacement, std::size_t>> ReplacementSpellings::match(std::string_view text,
                                                                               std::size_t pos) const
{
    if (text.substr(pos, 2) == "{=") {
        return match_perl(text, pos);
    }
    auto rpl = match_rpl(text, pos);
    // --plus is a set of --rpl tags in GNU parallel, which a user's tag of the same
    // name replaces: where a user's tag matches, the --plus strings are not tried.
    auto native = m_plus && !rpl ? match_plus(text, pos) : std::nullopt;
    for (const auto& spelling : m_exact) {
        if (!native && text.substr(pos, spelling.name.size()) == spelling.name) {
            native = std::pair{spelling.replacement, spelling.name.size()};
        }
    }
    if (!native && !rpl && text[pos] == '{') {
        native = match_positional(text, pos, m_inner);
    }
    // An --rpl tag takes over a built-in one of its length, as in GNU parallel.
    return rpl && (!native || rpl->second >= native->second) ? rpl : native;
}

// GNU parallel replaces its longest keys first: the --plus keys are longer than the
// standard ones (and share no prefix with them), but a rename (-I {+/}) replaces a
// --plus key of the same name.
std::optional<std::pair<Replacement, std::size_t>> ReplacementSpellings::match_plus(std::string_view text,
                                                                                    std::size_t pos) const
{
    auto renamed = std::find_if(m_exact.begin(), m_exact.end(), [&](const Spelling& s) {
        return s.renamed && text.substr(pos, s.name.size()) == s.name;
    });
    if (renamed != m_exact.end()) {
        return std::pair{renamed->replacement, renamed->name.size()};
    }
    return match_plus_string(text, pos);
}

// {= code =} and {=N code =}: up to the first =}.
std::optional<std::pair<Replacement, std::size_t>> ReplacementSpellings::match_perl(std::string_view text,
                                                                                    std::size_t pos) const
{
    std::size_t close = text.find("=}", pos + 2);
    if (close == std::string_view::npos) {
        throw Error("unterminated perl expression '" + std::string(text.substr(pos)) + "' (no =} after {=)");
    }
    Replacement r = replacement(Replacement::Kind::perl);
    std::size_t start = pos + 2;
    r.from_end =
        start + 1 < close && text[start] == '-' && std::isdigit(static_cast<unsigned char>(text[start + 1]));
    std::size_t digits = start + (r.from_end ? 1 : 0);
    while (digits < close && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        r.index = r.index * 10 + static_cast<std::size_t>(text[digits++] - '0');
    }
    r.from_end = r.from_end && r.index > 0;
    start = r.index > 0 ? digits : start;
    r.expression = m_perl->add(std::string(text.substr(start, close - start)));
    return std::pair{r, close + 2 - pos};
}

std::optional<std::pair<Replacement, std::size_t>> ReplacementSpellings::match_rpl(std::string_view text,
                                                                                   std::size_t pos) const
{
    for (auto& rpl : m_rpl) {
        for (Regex* regex : {&rpl.plain, rpl.positional ? &*rpl.positional : nullptr}) {
            if (regex == nullptr || regex->find(text, pos) != Regex::Found::match) {
                continue;
            }
            bool positional = regex != &rpl.plain;
            Replacement r = replacement(Replacement::Kind::perl);
            std::string code;
            if (positional) {
                auto at = regex->group(1);
                std::string number(text.substr(at.begin, at.end - at.begin));
                r.from_end = number.front() == '-';
                r.index = std::stoul(number.substr(r.from_end ? 1 : 0));
            }
            std::size_t n = 1;
            for (std::size_t g = positional ? 2 : 1; g <= regex->group_count() && regex->group(g).is_set();
                 ++g, ++n) {
                auto span = regex->group(g);
                code += "$_pAr_gRp" + std::to_string(n) + " = \"" +
                        perl_quoted(text.substr(span.begin, span.end - span.begin)) + "\";";
            }
            r.expression = m_perl->add(code + rpl.code);
            return std::pair{r, regex->group(0).end - pos};
        }
    }
    return std::nullopt;
}

} // namespace fanout
