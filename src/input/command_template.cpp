#include "command_template.hpp"

#include "error.hpp"
#include "plus_strings.hpp"
#include "replacement_spellings.hpp"
#include "shell_quote.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <unordered_set>

namespace fanout {

namespace {

// Room kept for {%}: the slot number is not known until the job starts.
constexpr std::size_t k_slot_digits = 20;

// Words a shell must interpret: keywords and builtins that have no executable twin.
constexpr std::array<std::string_view, 34> k_shell_words = {
    "!",        ".",        ":",   "[[",       "alias",   "bg",   "break", "case", "cd",
    "command",  "continue", "do",  "done",     "elif",    "else", "eval",  "exec", "exit",
    "export",   "fg",       "for", "function", "getopts", "hash", "if",    "jobs", "read",
    "readonly", "return",   "set", "shift",    "source",  "trap", "ulimit"};
constexpr std::array<std::string_view, 24> k_more_shell_words = {
    "umask",   "unalias", "unset",  "until", "wait",    "while",   "select", "then",
    "type",    "times",   "let",    "local", "declare", "typeset", "fc",     "disown",
    "suspend", "builtin", "enable", "shopt", "history", "logout",  "caller", "mapfile"};

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

bool is_shell_word(std::string_view word)
{
    return std::find(k_shell_words.begin(), k_shell_words.end(), word) != k_shell_words.end() ||
           std::find(k_more_shell_words.begin(), k_more_shell_words.end(), word) != k_more_shell_words.end();
}

bool is_meta_char(char c)
{
    static constexpr std::string_view k_meta = "|&;<>()$`\\\"'*?[]{}#~!\n";
    return k_meta.find(c) != std::string_view::npos;
}

// Splits text into words of literal text and replacement strings.
class Parser {
public:
    // `word_ends`: where the command's own words end (a --plus string or an --rpl tag
    // never spans two, as GNU parallel matches them in each word; a {= =} expression
    // may); empty: the text is one word.
    explicit Parser(const ReplacementNames& names, std::vector<std::size_t> word_ends = {})
        : m_spellings(names), m_word_ends(std::move(word_ends))
    {
    }

    std::vector<Word> parse(std::string_view text, bool split_on_space)
    {
        std::size_t i = 0;
        while (i < text.size()) {
            if (split_on_space && is_space(text[i])) {
                flush_literal();
                m_words.back().separator += text[i++];
                continue;
            }
            if (!m_words.back().separator.empty()) {
                flush_literal();
                m_words.emplace_back();
            }
            i += take_piece(text, i);
        }
        flush_literal();
        return std::move(m_words);
    }

    bool found_replacement() const { return m_found; }

private:
    std::size_t take_piece(std::string_view text, std::size_t i)
    {
        // A {= perl =} expression may span words, as GNU parallel's ({= s/a/b/ =} unquoted).
        auto end = text.substr(i, 2) == "{=" ? m_word_ends.end()
                                             : std::upper_bound(m_word_ends.begin(), m_word_ends.end(), i);
        if (auto match = m_spellings.match(end == m_word_ends.end() ? text : text.substr(0, *end), i)) {
            add_replacement(match->first);
            return match->second;
        }
        m_literal += text[i];
        return 1;
    }

    void add_replacement(Replacement r)
    {
        flush_literal();
        m_words.back().pieces.emplace_back(r);
        m_found = true;
    }

    void flush_literal()
    {
        if (!m_literal.empty()) {
            m_words.back().pieces.emplace_back(std::move(m_literal));
            m_literal.clear();
        }
    }

    ReplacementSpellings m_spellings;
    std::vector<std::size_t> m_word_ends;
    std::vector<Word> m_words{1};
    std::string m_literal;
    bool m_found = false;
};

std::string literal_text(const std::vector<Word>& words)
{
    std::string text;
    for (const auto& word : words) {
        for (const auto& piece : word.pieces) {
            if (const auto* literal = std::get_if<std::string>(&piece)) {
                text += *literal;
            } else {
                text += 'x'; // a replacement is one quoted word: never a metacharacter
            }
        }
        text += word.separator.empty() ? " " : word.separator;
    }
    return text;
}

// {} and {= =}: one value for each of the job's arguments.
bool is_all_args(const Replacement& r)
{
    return r.kind == Replacement::Kind::all_args || (r.kind == Replacement::Kind::perl && r.index == 0);
}

// {N} and {=N =}: one value, of the N-th argument.
bool is_positional(const Replacement& r)
{
    return r.kind == Replacement::Kind::positional || (r.kind == Replacement::Kind::perl && r.index > 0);
}

bool word_has_all_args(const Word& word)
{
    return std::any_of(word.pieces.begin(), word.pieces.end(), [](const Piece& p) {
        const auto* r = std::get_if<Replacement>(&p);
        return r && is_all_args(*r);
    });
}

// -X: each word holding {} (or another all-arguments form) once per argument, as GNU
// parallel's context replace.
std::vector<Word> repeat_for_context(const std::vector<Word>& words, std::size_t arg_count)
{
    std::vector<Word> repeated;
    for (const auto& word : words) {
        if (!word_has_all_args(word)) {
            repeated.push_back(word);
            continue;
        }
        for (std::size_t i = 0; i < arg_count; ++i) {
            repeated.push_back(word);
            repeated.back().separator = i + 1 < arg_count ? " " : word.separator;
            for (auto& piece : repeated.back().pieces) {
                auto* r = std::get_if<Replacement>(&piece);
                if (r && r->kind == Replacement::Kind::all_args) {
                    // Kept: its modifier or --plus transform.
                    r->kind = Replacement::Kind::positional;
                    r->index = i + 1;
                    r->from_end = false;
                    r->implicit = false;
                } else if (r && is_all_args(*r)) {
                    r->index = i + 1;
                }
            }
        }
    }
    return repeated;
}

bool word_has_positional(const Word& word)
{
    return std::any_of(word.pieces.begin(), word.pieces.end(), [](const Piece& p) {
        const auto* r = std::get_if<Replacement>(&p);
        return r && is_positional(*r);
    });
}

std::size_t literal_length(const Word& word)
{
    std::size_t length = 0;
    for (const auto& piece : word.pieces) {
        if (const auto* literal = std::get_if<std::string>(&piece)) {
            length += literal->size();
        }
    }
    return length;
}

TemplateNeeds needs_of_words(const std::vector<Word>& words)
{
    TemplateNeeds needs;
    for (const auto& word : words) {
        for (const auto& piece : word.pieces) {
            if (const auto* r = std::get_if<Replacement>(&piece)) {
                needs.total_jobs = needs.total_jobs || r->kind == Replacement::Kind::total_jobs ||
                                   (r->kind == Replacement::Kind::seq && r->zero_pad);
                needs.increasing = needs.increasing || r->skip == SkipRule::unless_increasing;
                needs.unique = needs.unique || r->skip == SkipRule::unless_unique;
            }
        }
    }
    return needs;
}

bool is_implicit(const Word& word)
{
    const auto* r = word.pieces.size() == 1 ? std::get_if<Replacement>(&word.pieces.front()) : nullptr;
    return r && r->implicit;
}

// A word's length without its argument values: literal text, and room for {#} and {%}.
std::size_t fixed_length(const Word& word)
{
    std::size_t length = 0;
    for (const auto& piece : word.pieces) {
        if (const auto* literal = std::get_if<std::string>(&piece)) {
            length += literal->size();
        } else if (auto kind = std::get<Replacement>(piece).kind; kind == Replacement::Kind::seq ||
                                                                  kind == Replacement::Kind::slot ||
                                                                  kind == Replacement::Kind::total_jobs) {
            length += k_slot_digits;
        }
    }
    return length;
}

std::size_t digits_of(std::size_t n)
{
    return std::to_string(n).size();
}

// The evaluations a perl replacement stands for: one per argument ($_ empty when there
// is none, as GNU parallel's), or the N-th argument's, or none past the last.
std::vector<PerlCall> perl_calls_for(const Replacement& r, std::size_t arg_count)
{
    if (r.index == 0) {
        std::vector<PerlCall> calls;
        for (std::size_t arg = 1; arg <= std::max<std::size_t>(arg_count, 1); ++arg) {
            calls.push_back({r.expression, arg_count == 0 ? 0 : arg});
        }
        return calls;
    }
    if (r.index > arg_count) {
        return {};
    }
    return {{r.expression, r.from_end ? arg_count - r.index + 1 : r.index}};
}

const PerlValue& perl_value(const PerlCall& call, const JobValues& values)
{
    const PerlValue* value = values.perl ? values.perl->find(call) : nullptr;
    if (value == nullptr) {
        throw Error("internal error: a perl expression was not evaluated before the command was made");
    }
    return *value;
}

void add_perl_calls(const std::vector<Word>& words, std::size_t arg_count, std::vector<PerlCall>& calls)
{
    std::unordered_set<std::uint64_t> known; // -X makes thousands of calls: no search among them
    for (const auto& call : calls) {
        known.insert(key_of(call));
    }
    for (const auto& word : words) {
        for (const auto& piece : word.pieces) {
            const auto* r = std::get_if<Replacement>(&piece);
            if (r == nullptr || r->kind != Replacement::Kind::perl) {
                continue;
            }
            for (const auto& call : perl_calls_for(*r, arg_count)) {
                if (known.insert(key_of(call)).second) {
                    calls.push_back(call);
                }
            }
        }
    }
}

// {0#} {0%}: n with zeros before it up to GNU parallel's width for `most`.
std::string padded(std::size_t n, std::size_t most)
{
    std::string digits = std::to_string(n);
    std::size_t width = gnu_padding_width(most);
    return digits.size() < width ? std::string(width - digits.size(), '0') + digits : digits;
}

// {#} {%} {##} {0#} {0%}. Without a total (the Batcher measuring a batch) {##} counts
// as the sequence number, the least it can be.
std::string number_of(const Replacement& r, const JobValues& values)
{
    std::size_t total = values.total_jobs.value_or(values.seq);
    switch (r.kind) {
    case Replacement::Kind::seq:
        return r.zero_pad ? padded(values.seq, total) : std::to_string(values.seq);
    case Replacement::Kind::slot:
        return r.zero_pad ? padded(values.slot, values.slot_count) : std::to_string(values.slot);
    default:
        return std::to_string(total);
    }
}

// The values a replacement stands for in one job (several only for {}). {N} past the
// job's arguments stands for nothing, as in GNU parallel (a word of it alone is no
// argument), or for one empty value when `missing_is_empty` (-q, which GNU quotes).
std::vector<std::string> values_of(const Replacement& r, const JobValues& values,
                                   bool missing_is_empty = true)
{
    switch (r.kind) {
    case Replacement::Kind::perl: {
        std::vector<std::string> out;
        for (const auto& call : perl_calls_for(r, values.args.size())) {
            out.push_back(perl_value(call, values).text);
        }
        if (out.empty() && missing_is_empty) {
            out.emplace_back();
        }
        return out;
    }
    case Replacement::Kind::seq:
    case Replacement::Kind::slot:
    case Replacement::Kind::total_jobs:
        return {number_of(r, values)};
    case Replacement::Kind::positional:
        if (r.index <= values.args.size()) {
            std::size_t at = r.from_end ? values.args.size() - r.index : r.index - 1;
            return {transform_value(values.args[at], r)};
        }
        return missing_is_empty ? std::vector<std::string>{std::string()} : std::vector<std::string>{};
    case Replacement::Kind::all_args:
        break;
    }
    std::vector<std::string> out;
    out.reserve(values.args.size());
    for (const auto& arg : values.args) {
        out.push_back(transform_value(arg, r));
    }
    if (out.empty() && !r.implicit) {
        out.emplace_back();
    }
    return out;
}

} // namespace

std::string apply_modifier(std::string_view value, Modifier modifier)
{
    auto strip_extension = [](std::string_view v) {
        std::size_t dot = v.find_last_of("./");
        return dot != std::string_view::npos && v[dot] == '.' ? v.substr(0, dot) : v;
    };
    auto basename = [](std::string_view v) {
        std::size_t slash = v.rfind('/');
        return slash == std::string_view::npos ? v : v.substr(slash + 1);
    };
    switch (modifier) {
    case Modifier::none:
        return std::string(value);
    case Modifier::no_extension:
        return std::string(strip_extension(value));
    case Modifier::basename:
        return std::string(basename(value));
    case Modifier::basename_no_extension:
        return std::string(strip_extension(basename(value)));
    case Modifier::dirname:
        break;
    }
    while (value.size() > 1 && value.back() == '/') {
        value.remove_suffix(1); // "a/b/" names b, as dirname(1) reads it
    }
    std::size_t slash = value.rfind('/');
    if (slash == std::string_view::npos) {
        return ".";
    }
    std::string_view dir = value.substr(0, slash);
    while (!dir.empty() && dir.back() == '/') {
        dir.remove_suffix(1);
    }
    return dir.empty() ? "/" : std::string(dir);
}

std::string transform_value(std::string_view value, const Replacement& r)
{
    return r.transform ? r.transform->apply(value) : apply_modifier(value, r.modifier);
}

bool text_needs_shell(std::string_view text)
{
    if (std::any_of(text.begin(), text.end(), is_meta_char)) {
        return true;
    }
    std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return true;
    }
    std::string_view first = text.substr(start, text.find_first_of(" \t", start) - start);
    return first.find('=') != std::string_view::npos || is_shell_word(first);
}

bool runs_as_function(std::string_view first, const TemplateSyntax& syntax)
{
    return !syntax.functions.empty() && !syntax.function_shell.empty() && syntax.functions.contains(first);
}

namespace {

// The first word of a command line, as a shell splits one that needs no shell.
std::string_view first_word(std::string_view text)
{
    std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return {};
    }
    return text.substr(start, text.find_first_of(" \t", start) - start);
}

// Whether `word` opens a {= that it does not close.
bool opens_perl_expression(std::string_view word)
{
    std::size_t open = word.find("{=");
    while (open != std::string_view::npos) {
        std::size_t close = word.find("=}", open + 2);
        if (close == std::string_view::npos) {
            return true;
        }
        open = word.find("{=", close + 2);
    }
    return false;
}

// -q: a {= =} given as several words is one, joined by spaces (GNU's merge_rpl_parts).
std::vector<std::string> merge_perl_words(const std::vector<std::string>& words)
{
    std::vector<std::string> merged;
    for (std::size_t i = 0; i < words.size(); ++i) {
        std::string word = words[i];
        while (opens_perl_expression(word) && i + 1 < words.size()) {
            word += " " + words[++i];
        }
        merged.push_back(std::move(word));
    }
    return merged;
}

bool is_literal(const Word& word)
{
    return std::all_of(word.pieces.begin(), word.pieces.end(),
                       [](const Piece& p) { return std::holds_alternative<std::string>(p); });
}

// GNU parallel's rule: a replacement string in the first word, before any blank or '='
// (so part of the command's name, not an argument or a V={} assignment), makes every
// value of the command unquoted: the values are command-line text ({} ::: 'ls -l').
bool replaces_first_word(std::string_view joined, const std::vector<Word>& words)
{
    if (words.empty() || joined.empty() || joined.find_first_of(" \t\n") == 0) {
        return false;
    }
    for (const auto& piece : words.front().pieces) {
        const auto* literal = std::get_if<std::string>(&piece);
        if (literal == nullptr) {
            return true;
        }
        if (literal->find_first_of(" \t\n=") != std::string::npos) {
            return false;
        }
    }
    return false;
}

} // namespace

CommandTemplate::CommandTemplate(const std::vector<std::string>& words, TemplateSyntax syntax)
    : m_syntax(std::move(syntax)), m_shell(m_syntax.shell)
{
    if (m_syntax.quote_command) {
        for (const auto& word : merge_perl_words(words)) {
            Word parsed = std::move(Parser(m_syntax.names).parse(word, false).front());
            if (parsed.pieces.empty()) {
                parsed.pieces.emplace_back(std::string()); // an empty word stays an argument
            }
            parsed.separator = " ";
            m_words.push_back(std::move(parsed));
        }
    } else {
        std::string joined;
        std::vector<std::size_t> word_ends;
        for (const auto& word : words) {
            joined += joined.empty() ? "" : " ";
            joined += word;
            word_ends.push_back(joined.size());
        }
        m_words = Parser(m_syntax.names, std::move(word_ends)).parse(joined, true);
        m_values_unquoted = replaces_first_word(joined, m_words);
        m_needs_shell = m_syntax.force_shell || text_needs_shell(literal_text(m_words));
        // Whether the first word names an exported function is decided here, once, when
        // it is literal; else for each job, and only when there are functions at all.
        if (!m_syntax.force_shell && !m_words.empty() && !m_syntax.functions.empty()) {
            m_first_word_varies = !m_needs_shell && !is_literal(m_words.front());
            std::string first = literal_text({m_words.front()});
            first.pop_back(); // the separator
            if (!m_first_word_varies && m_syntax.functions.contains(first)) {
                if (m_syntax.function_shell.empty()) {
                    throw Error(first +
                                " is an exported bash function, but there is no bash on PATH to run it");
                }
                m_shell = m_syntax.function_shell;
                m_needs_shell = true;
            }
        }
    }
    bool found = std::any_of(m_words.begin(), m_words.end(), [](const Word& w) {
        return std::any_of(w.pieces.begin(), w.pieces.end(),
                           [](const Piece& p) { return std::holds_alternative<Replacement>(p); });
    });
    std::vector<PerlCall> calls;
    add_perl_calls(m_words, 1, calls);
    m_has_perl = !calls.empty();
    if (!found && m_syntax.append_args) {
        if (!m_words.empty() && m_words.back().separator.empty()) {
            m_words.back().separator = " ";
        }
        Replacement implicit;
        implicit.implicit = true;
        m_words.push_back(Word{{implicit}, {}});
    }
}

namespace {

// A perl value in a shell command line: quoted, unless the expression called uq() or
// `quote` is false.
void append_perl_values(std::string& out, const Replacement& r, const JobValues& values, bool quote)
{
    bool first = true;
    for (const auto& call : perl_calls_for(r, values.args.size())) {
        const PerlValue& value = perl_value(call, values);
        out += first ? "" : " ";
        if (value.unquoted || !quote) {
            out += value.text;
        } else {
            append_shell_quoted(out, value.text);
        }
        first = false;
    }
}

} // namespace

void CommandTemplate::append_word(std::string& out, const Word& word, const JobValues& values, bool quote)
{
    for (const auto& piece : word.pieces) {
        if (const auto* literal = std::get_if<std::string>(&piece)) {
            out += *literal;
            continue;
        }
        const auto& r = std::get<Replacement>(piece);
        if (r.kind == Replacement::Kind::perl) {
            append_perl_values(out, r, values, quote);
            continue;
        }
        bool first = true;
        for (const auto& value : values_of(r, values, false)) {
            out += first ? "" : " ";
            if (quote) {
                append_shell_quoted(out, value);
            } else {
                out += value;
            }
            first = false;
        }
    }
}

void CommandTemplate::expand_direct(const std::vector<Word>& words, std::vector<std::string>& argv,
                                    const JobValues& values) const
{
    for (const auto& word : words) {
        std::string current;
        bool produced = false;
        for (const auto& piece : word.pieces) {
            if (const auto* literal = std::get_if<std::string>(&piece)) {
                current += *literal;
                produced = true;
                continue;
            }
            bool first = true;
            for (auto& value : values_of(std::get<Replacement>(piece), values, m_syntax.quote_command)) {
                if (!first) {
                    argv.push_back(std::move(current));
                    current.clear();
                }
                current += value;
                first = false;
                produced = true;
            }
        }
        if (produced) {
            argv.push_back(std::move(current));
        }
    }
}

// -X repeats each word that holds {} (or {= =}) once per argument.
std::vector<Word> CommandTemplate::context_words(const JobValues& values) const
{
    return repeat_for_context(m_words, values.args.size());
}

void CommandTemplate::perl_calls(std::size_t arg_count, std::vector<PerlCall>& calls) const
{
    add_perl_calls(m_words, arg_count, calls);
}

Command CommandTemplate::expand(const JobValues& values) const
{
    Command command;
    std::vector<Word> repeated;
    const std::vector<Word>* words = &m_words;
    if (m_syntax.context_replace && values.args.size() > 1) {
        repeated = context_words(values);
        words = &repeated;
    }
    if (m_values_unquoted) {
        std::string line;
        for (const auto& word : *words) {
            append_word(line, word, values, false);
            line += word.separator;
        }
        return command_from_line(line, m_syntax);
    }
    // A value that uq() left unquoted is shell text: the command runs through the shell.
    bool needs_shell =
        m_needs_shell || (!m_syntax.quote_command && values.perl && values.perl->any_unquoted());
    if (!needs_shell) {
        expand_direct(*words, command.argv, values);
        for (const auto& arg : command.argv) {
            command.display += command.display.empty() ? "" : " ";
            append_shell_quoted(command.display, arg);
        }
        if (m_first_word_varies && !command.argv.empty() &&
            runs_as_function(command.argv.front(), m_syntax)) {
            command.argv = {m_syntax.function_shell, "-c", command.display};
            command.via_shell = true;
        }
        return command;
    }
    for (const auto& word : *words) {
        append_word(command.display, word, values, true);
        command.display += word.separator;
    }
    command.via_shell = true;
    command.argv = {m_shell, "-c", command.display};
    return command;
}

TemplateNeeds CommandTemplate::needs() const
{
    return needs_of_words(m_words);
}

TemplateNeeds& TemplateNeeds::operator|=(const TemplateNeeds& other)
{
    total_jobs = total_jobs || other.total_jobs;
    increasing = increasing || other.increasing;
    unique = unique || other.unique;
    return *this;
}

bool skips(const TemplateNeeds& needs, const std::vector<std::string>& args)
{
    for (std::size_t i = 1; needs.increasing && i < args.size(); ++i) {
        if (args[i - 1] >= args[i]) {
            return true; // perl's `ge`: bytes, as std::string compares them
        }
    }
    if (!needs.unique) {
        return false;
    }
    std::vector<std::string_view> sorted(args.begin(), args.end());
    std::sort(sorted.begin(), sorted.end());
    return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end() ||
           (!sorted.empty() && sorted.front().empty());
}

ArgvSize CommandTemplate::base_size(std::size_t seq) const
{
    ArgvSize size;
    std::size_t script = 0;
    for (const auto& word : m_words) {
        if (is_implicit(word)) {
            continue; // with no arguments it produces nothing at all
        }
        std::size_t length = literal_length(word) + (m_needs_shell ? word.separator.size() : 0);
        for (const auto& piece : word.pieces) {
            if (const auto* r = std::get_if<Replacement>(&piece)) {
                length += r->kind == Replacement::Kind::seq && !r->zero_pad ? digits_of(seq)
                          : r->kind == Replacement::Kind::seq               ? k_slot_digits
                          : r->kind == Replacement::Kind::slot              ? k_slot_digits
                          : r->kind == Replacement::Kind::total_jobs        ? k_slot_digits
                          : m_needs_shell                                   ? 2 // ''
                                                                            : 0;
            }
        }
        script += length;
        size.bytes += length + 1;
        size.count += 1;
        size.longest = std::max(size.longest, length);
    }
    if (m_needs_shell) {
        size = ArgvSize{m_shell.size() + 1 + 3 + script + 1, 3, std::max(script, m_shell.size())};
    }
    return size;
}

ArgvSize CommandTemplate::add_arg(ArgvSize size, std::size_t index, std::string_view value) const
{
    for (const auto& word : m_words) {
        std::size_t added = 0;
        std::size_t new_words = 0;  // in direct mode each {} value may start an argv word
        std::size_t positional = 0; // {N} values stay in their word, which grows with each
        std::size_t all_refs = 0;   // two {} in one word join values of different arguments
        for (const auto& piece : word.pieces) {
            const auto* r = std::get_if<Replacement>(&piece);
            bool all = r && is_all_args(*r);
            // {-N} may be any argument until the last is known: each one counts. A perl
            // value is counted as long as its argument: the real length is checked when
            // the job's command is made.
            bool mine = r && is_positional(*r) && (r->from_end || r->index == index + 1);
            if (!all && !mine) {
                continue;
            }
            std::string modified = transform_value(value, *r);
            // In a shell script each value is quoted and, for {}, follows a space.
            added += m_needs_shell ? shell_quoted_length(modified) + (all ? 1 : 0) : modified.size();
            new_words += all && !m_needs_shell ? 1 : 0;
            all_refs += all ? 1 : 0;
            positional += all ? 0 : modified.size();
        }
        if (added == 0 && new_words == 0) {
            continue;
        }
        if (m_syntax.context_replace && word_has_all_args(word)) {
            added += fixed_length(word); // -X repeats the whole word
        }
        size.bytes += added + new_words;
        size.count += new_words;
        // A word's {N} values join whatever its {} produces; only a word with {} alone
        // has a longest string bounded by one argument.
        bool additive = m_needs_shell || positional > 0 || all_refs > 1 || word_has_positional(word);
        size.longest = additive ? size.longest + added : std::max(size.longest, fixed_length(word) + added);
    }
    return size;
}

ArgvSize measure(const std::vector<std::string>& argv)
{
    ArgvSize size;
    for (const auto& arg : argv) {
        size.bytes += arg.size() + 1;
        size.count += 1;
        size.longest = std::max(size.longest, arg.size());
    }
    return size;
}

PlainTemplate::PlainTemplate(std::string text, const ReplacementNames& names, bool context_replace)
    : m_text(std::move(text)), m_words(Parser(names).parse(m_text, context_replace)),
      m_context_replace(context_replace)
{
}

std::string PlainTemplate::expand(const JobValues& values) const
{
    std::vector<Word> repeated;
    const std::vector<Word>* words = &m_words;
    if (m_context_replace && values.args.size() > 1) {
        repeated = repeat_for_context(m_words, values.args.size());
        words = &repeated;
    }
    std::string out;
    for (const auto& word : *words) {
        for (const auto& piece : word.pieces) {
            if (const auto* literal = std::get_if<std::string>(&piece)) {
                out += *literal;
                continue;
            }
            bool first = true;
            for (const auto& value : values_of(std::get<Replacement>(piece), values)) {
                out += first ? "" : " ";
                out += value;
                first = false;
            }
        }
        out += word.separator;
    }
    return out;
}

void PlainTemplate::perl_calls(std::size_t arg_count, std::vector<PerlCall>& calls) const
{
    add_perl_calls(m_words, arg_count, calls);
}

TemplateNeeds PlainTemplate::needs() const
{
    return needs_of_words(m_words);
}

bool PlainTemplate::has_replacements() const
{
    return std::any_of(m_words.begin(), m_words.end(), [](const Word& word) {
        return std::any_of(word.pieces.begin(), word.pieces.end(),
                           [](const Piece& piece) { return std::holds_alternative<Replacement>(piece); });
    });
}

bool PlainTemplate::has_perl() const
{
    std::vector<PerlCall> calls;
    perl_calls(1, calls);
    return !calls.empty();
}

Command command_from_line(const std::string& line, const TemplateSyntax& syntax)
{
    Command command;
    command.display = line;
    bool function = !syntax.force_shell && runs_as_function(first_word(line), syntax);
    if (syntax.force_shell || function || text_needs_shell(line)) {
        command.via_shell = true;
        command.argv = {function ? syntax.function_shell : syntax.shell, "-c", line};
        return command;
    }
    std::size_t pos = 0;
    while ((pos = line.find_first_not_of(" \t", pos)) != std::string::npos) {
        std::size_t end = line.find_first_of(" \t", pos);
        command.argv.push_back(line.substr(pos, end - pos));
        pos = end;
    }
    return command;
}

} // namespace fanout
