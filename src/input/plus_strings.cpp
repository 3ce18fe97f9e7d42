#include "plus_strings.hpp"

#include "error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <memory>
#include <optional>

namespace fanout {

namespace {

using Insert = Substitution::Insert;

// What a --plus string stands for, before its captured parts are known.
enum class Form {
    chain, // a fixed list of substitutions
    total_jobs,
    padded_seq,
    padded_slot,
    slot,
    choose_k,
    uniq,
    default_value,
    cut_prefix,
    substring,
    remove_short_prefix,
    remove_long_prefix,
    remove_short_suffix,
    remove_long_suffix,
    replace_first,
    replace_prefix,
    replace_suffix,
    replace_all,
    upper_first,
    upper_all,
    lower_first,
    lower_all,
    refused,
};

// One of GNU parallel 20221122's %Global::plus keys: a literal prefix and postfix around
// capture groups, tried as GNU tries them (longest key first).
struct PlusForm {
    std::string_view key;
    Form form;
    std::vector<Substitution> chain = {};
};

// GNU's definitions, with its perl for each fixed one.
const std::vector<PlusForm>& plus_forms()
{
    static const std::vector<PlusForm> forms = [] {
        const Substitution rest_of_line{".*$", Insert::text, "", false, true}; // || s:.*$::
        const Substitution basename{".*/", Insert::text, "", false, false};
        const Substitution two_ext{R"(\.[^/.]*\.[^/.]*$)", Insert::text, "", false, false};
        const Substitution three_ext{R"(\.[^/.]*\.[^/.]*\.[^/.]*$)", Insert::text, "", false, false};
        std::vector<PlusForm> all = {
            {"{+/}", Form::chain, {{"/[^/]*$", Insert::text, "", false, false}, rest_of_line}},
            {"{+.}", Form::chain, {{R"(.*\.)", Insert::text, "", false, false}, rest_of_line}},
            {"{+..}",
             Form::chain,
             {{R"(.*\.([^/.]*\.[^/.]*)$)", Insert::group1, "", false, false}, rest_of_line}},
            {"{+...}",
             Form::chain,
             {{R"(.*\.([^/.]*\.[^/.]*\.[^/.]*)$)", Insert::group1, "", false, false}, rest_of_line}},
            {"{..}", Form::chain, {two_ext}},
            {"{...}", Form::chain, {three_ext}},
            {"{/..}", Form::chain, {basename, two_ext}},
            {"{/...}", Form::chain, {basename, three_ext}},
            {"{choose_k}", Form::choose_k},
            {"{uniq}", Form::uniq},
            {"{##}", Form::total_jobs},
            {"{0%}", Form::padded_slot},
            {"{0#}", Form::padded_seq},
            {"{:-([^}]+?)}", Form::default_value},
            {R"({:(\d+?)})", Form::cut_prefix},
            {R"({:(\d+?):(\d+?)})", Form::substring},
            {"{#([^#}][^}]*?)}", Form::remove_short_prefix},
            {"{##([^#}][^}]*?)}", Form::remove_long_prefix},
            {"{%([^}]+?)}", Form::remove_short_suffix},
            {"{%%([^}]+?)}", Form::remove_long_suffix},
            {"{/([^#%}/]+?)/([^}]*?)}", Form::replace_first},
            {"{/#([^}]+?)/([^}]*?)}", Form::replace_prefix},
            {"{/%([^}]+?)/([^}]*?)}", Form::replace_suffix},
            {"{//([^}]+?)/([^}]*?)}", Form::replace_all},
            {"{^([^}]+?)}", Form::upper_first},
            {"{^^([^}]+?)}", Form::upper_all},
            {"{,([^}]+?)}", Form::lower_first},
            {"{,,([^}]+?)}", Form::lower_all},
            {"{slot}", Form::slot},
            {"{host}", Form::refused},
            {"{sshlogin}", Form::refused},
            {"{hgrp}", Form::refused},
            {"{agrp}", Form::refused},
        };
        std::stable_sort(all.begin(), all.end(),
                         [](const PlusForm& a, const PlusForm& b) { return a.key.size() > b.key.size(); });
        return all;
    }();
    return forms;
}

// The pattern GNU builds from a key: \Q prefix \E (groups) \Q postfix \E, anchored at
// the start offset; the positional form has {N (and spaces) before the prefix's rest.
std::string key_pattern(std::string_view key, bool positional)
{
    std::size_t open = key.find('(');
    std::size_t close = key.rfind(')');
    std::string_view prefix = key.substr(0, open);
    std::string_view groups = open == std::string_view::npos ? "" : key.substr(open, close + 1 - open);
    std::string_view postfix = open == std::string_view::npos ? "" : key.substr(close + 1);
    if (positional) {
        return R"(\G\{(-?\d+)\s*)" + quote_meta(prefix.substr(1)) + std::string(groups) + quote_meta(postfix);
    }
    return R"(\G)" + quote_meta(prefix) + std::string(groups) + quote_meta(postfix);
}

// A form's patterns, compiled the first time a text may hold the form: a command uses
// few of them, and compiling all of them would cost every --plus run a millisecond.
struct FormPatterns {
    const PlusForm* form;
    std::optional<Regex> plain;
    std::optional<Regex> positional;
};

std::vector<FormPatterns> form_patterns()
{
    std::vector<FormPatterns> patterns;
    for (const auto& form : plus_forms()) {
        patterns.push_back({&form, std::nullopt, std::nullopt});
    }
    return patterns;
}

// Whether text[pos] may start the form: its literal prefix, after {N and spaces for the
// positional form.
bool may_start(std::string_view text, std::size_t pos, const PlusForm& form, bool positional)
{
    std::string_view prefix = form.key.substr(0, form.key.find('('));
    if (!positional) {
        return text.substr(pos).starts_with(prefix);
    }
    std::size_t j = pos + 1;
    j += j < text.size() && text[j] == '-' ? 1 : 0;
    if (j >= text.size() || !std::isdigit(static_cast<unsigned char>(text[j]))) {
        return false;
    }
    // The rest of the prefix may start with a digit ({0#} in {20#}): try after each one.
    for (++j; j <= text.size(); ++j) {
        if (text.substr(j).starts_with(prefix.substr(1))) {
            return true;
        }
        if (j == text.size() || !(std::isdigit(static_cast<unsigned char>(text[j])) ||
                                  std::isspace(static_cast<unsigned char>(text[j])))) {
            return false;
        }
    }
    return false;
}

std::size_t parse_count(std::string_view digits)
{
    std::size_t n = 0;
    for (char c : digits) {
        n = n > (SIZE_MAX - 9) / 10 ? SIZE_MAX : n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
}

std::shared_ptr<const ValueTransform> substitution(std::string pattern, Insert insert, std::string text,
                                                   bool global, std::string_view what)
{
    return std::make_shared<const ValueTransform>(
        std::vector<Substitution>{{std::move(pattern), insert, std::move(text), global, false}}, what);
}

// The transform of a form whose regex parts the user wrote, from GNU's perl for it.
std::shared_ptr<const ValueTransform> user_transform(Form form, const std::vector<std::string>& g,
                                                     std::string_view what)
{
    switch (form) {
    case Form::default_value:
        return std::make_shared<const ValueTransform>(ValueTransform::Default{g[0]});
    case Form::cut_prefix:
        return std::make_shared<const ValueTransform>(ValueTransform::CutPrefix{parse_count(g[0])});
    case Form::substring:
        return std::make_shared<const ValueTransform>(
            ValueTransform::Substring{parse_count(g[0]), parse_count(g[1])});
    case Form::remove_short_prefix: // s/^$nongreedy(.*)/$1/
        return substitution("^" + make_regexp_ungreedy(g[0]) + "(.*)", Insert::group1, "", false, what);
    case Form::remove_long_prefix: // s/^$$1//
        return substitution("^" + g[0], Insert::text, "", false, what);
    case Form::remove_short_suffix: // s/(.*)$nongreedy$/$1/
        return substitution("(.*)" + make_regexp_ungreedy(g[0]) + "$", Insert::group1, "", false, what);
    case Form::remove_long_suffix: // s/$$1$//
        return substitution(g[0] + "$", Insert::text, "", false, what);
    case Form::replace_first: // s/$$1/$$2/
        return substitution(g[0], Insert::text, g[1], false, what);
    case Form::replace_prefix: // s/^$$1/$$2/g
        return substitution("^" + g[0], Insert::text, g[1], true, what);
    case Form::replace_suffix: // s/$$1$/$$2/g
        return substitution(g[0] + "$", Insert::text, g[1], true, what);
    case Form::replace_all: // s/$$1/$$2/g
        return substitution(g[0], Insert::text, g[1], true, what);
    case Form::upper_first: // s/^($$1)/uc($1)/e
        return substitution("^(" + g[0] + ")", Insert::group1_upper, "", false, what);
    case Form::upper_all: // s/($$1)/uc($1)/eg
        return substitution("(" + g[0] + ")", Insert::group1_upper, "", true, what);
    case Form::lower_first:
        return substitution("^(" + g[0] + ")", Insert::group1_lower, "", false, what);
    case Form::lower_all:
        return substitution("(" + g[0] + ")", Insert::group1_lower, "", true, what);
    default:
        return nullptr;
    }
}

// The replacement a matched form stands for (all arguments; the caller makes it positional).
Replacement replacement_of(const PlusForm& plus, const std::vector<std::string>& groups,
                           std::string_view what)
{
    Replacement r;
    switch (plus.form) {
    case Form::chain:
        r.transform = std::make_shared<const ValueTransform>(plus.chain, what);
        return r;
    case Form::total_jobs:
        r.kind = Replacement::Kind::total_jobs;
        return r;
    case Form::padded_seq:
        r.kind = Replacement::Kind::seq;
        r.zero_pad = true;
        return r;
    case Form::padded_slot:
    case Form::slot:
        r.kind = Replacement::Kind::slot;
        r.zero_pad = plus.form == Form::padded_slot;
        return r;
    case Form::choose_k: // the value of {}, and the job skipped unless its arguments increase
    case Form::uniq:
        r.skip = plus.form == Form::choose_k ? SkipRule::unless_increasing : SkipRule::unless_unique;
        return r;
    case Form::refused:
        throw Error("--plus replacement string '" + std::string(what) +
                    "' is not supported (GNU parallel's ssh host and host group strings)");
    default:
        r.transform = user_transform(plus.form, groups, what);
        return r;
    }
}

// {N..} as GNU reads it: the N-th argument, from the last with -N, {0...} all of them.
Replacement make_positional(Replacement r, std::string_view digits, std::string_view what)
{
    bool from_end = digits.front() == '-';
    digits.remove_prefix(from_end ? 1 : 0);
    if (r.kind != Replacement::Kind::all_args && digits == "0" && !from_end) {
        return r; // GNU reads {0##} as position "01": the first argument's, so {##}
    }
    if (r.kind != Replacement::Kind::all_args) {
        // GNU puts the position before "1 ", the position its own code already has, and
        // replaces {2##} with argument 21's value: nothing anyone means.
        throw Error(
            "--plus replacement string '" + std::string(what) +
            "' is refused: it has no positional form (GNU parallel replaces it with an empty string)");
    }
    std::size_t index = parse_count(digits);
    if ((digits.size() > 1 || from_end) && index == 0) {
        throw Error("replacement string '" + std::string(what) +
                    "' in the command: sources count from 1 ({0} is the same as {})");
    }
    if (digits.size() >= 10) {
        throw Error("replacement string '" + std::string(what) + "' in the command: no such argument");
    }
    r.index = index;
    r.from_end = from_end;
    r.kind = index == 0 ? Replacement::Kind::all_args : Replacement::Kind::positional;
    return r;
}

std::vector<std::string> captured(const Regex& regex, std::string_view text, std::size_t first)
{
    std::vector<std::string> groups;
    for (std::size_t i = first; i <= regex.group_count(); ++i) {
        Regex::Span span = regex.group(i);
        groups.emplace_back(span.is_set() ? text.substr(span.begin, span.end - span.begin) : "");
    }
    return groups;
}

void append_case(std::string& out, std::string_view text, Insert insert)
{
    // Perl's uc/lc on a byte string (no `use locale`, no unicode_strings): ASCII only.
    for (char c : text) {
        if (insert == Insert::group1_upper && c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        } else if (insert == Insert::group1_lower && c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        out += c;
    }
}

// Perl's s/// (with /g: every match, an empty one never where the last empty one was).
// Returns whether anything matched.
bool substitute(std::string& value, Regex& regex, const Substitution& s, std::string_view what)
{
    std::string out;
    std::size_t copied = 0;
    std::size_t start = 0;
    bool after_empty = false;
    bool matched = false;
    while (start <= value.size()) {
        Regex::Found found = regex.find(value, start, {.not_empty_at_start = after_empty});
        if (found == Regex::Found::limit) {
            throw Error("--plus replacement string '" + std::string(what) + "': " + regex.limit_reached());
        }
        if (found != Regex::Found::match) {
            break;
        }
        Regex::Span whole = regex.group(0);
        out.append(value, copied, whole.begin - copied);
        Regex::Span one = regex.group_count() > 0 ? regex.group(1) : Regex::Span{};
        std::string_view group =
            one.is_set() ? std::string_view(value).substr(one.begin, one.end - one.begin) : "";
        if (s.insert == Insert::text) {
            out += s.text;
        } else if (s.insert == Insert::group1) {
            out += group;
        } else {
            append_case(out, group, s.insert);
        }
        copied = whole.end;
        matched = true;
        after_empty = whole.begin == whole.end;
        start = whole.end;
        if (!s.global) {
            break;
        }
    }
    if (matched) {
        out.append(value, copied);
        value = std::move(out);
    }
    return matched;
}

} // namespace

ValueTransform::ValueTransform(const std::vector<Substitution>& steps, std::string_view what) : m_what(what)
{
    for (const auto& step : steps) {
        m_steps.push_back(
            {Regex(step.pattern, "--plus replacement string '" + std::string(what) + "'"), step});
    }
}

ValueTransform::ValueTransform(std::variant<Default, CutPrefix, Substring> operation)
{
    std::visit([this](auto& op) { m_operation = op; }, operation);
}

std::string ValueTransform::apply(std::string_view value) const
{
    if (const auto* fallback = std::get_if<Default>(&m_operation)) {
        return value.empty() || value == "0" ? fallback->text : std::string(value); // perl's false values
    }
    if (const auto* cut = std::get_if<CutPrefix>(&m_operation)) {
        return std::string(value.substr(std::min(cut->length, value.size())));
    }
    if (const auto* part = std::get_if<Substring>(&m_operation)) {
        return part->offset > value.size() ? std::string()
                                           : std::string(value.substr(part->offset, part->length));
    }
    std::string result(value);
    bool matched = false;
    for (const auto& step : m_steps) {
        if (step.substitution.if_no_match && matched) {
            continue;
        }
        matched = substitute(result, step.regex, step.substitution, m_what);
    }
    return result;
}

std::string make_regexp_ungreedy(std::string_view regexp)
{
    bool in_class = false;
    bool escaped = false;
    bool found = false;
    std::string ungreedy;
    for (char c : regexp) {
        if (found && c != '?') {
            ungreedy += '?';
        }
        found = false;
        ungreedy += c;
        if (escaped) {
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == '[') {
            in_class = true;
        } else if (in_class) {
            in_class = c != ']';
        } else if (c == '*' || c == '}' || c == '+') {
            found = true;
        }
    }
    if (found) {
        ungreedy += '?';
    }
    return ungreedy;
}

std::optional<std::pair<Replacement, std::size_t>> match_plus_string(std::string_view text, std::size_t pos)
{
    static std::vector<FormPatterns> forms = form_patterns();
    if (text[pos] != '{') {
        return std::nullopt;
    }
    for (auto& form : forms) {
        for (bool positional : {false, true}) {
            if (!may_start(text, pos, *form.form, positional)) {
                continue;
            }
            std::optional<Regex>& pattern = positional ? form.positional : form.plain;
            if (!pattern) {
                pattern.emplace(key_pattern(form.form->key, positional), "--plus");
            }
            Regex& regex = *pattern;
            if (regex.find(text, pos) != Regex::Found::match) {
                continue;
            }
            std::size_t length = regex.group(0).end - pos;
            std::string_view what = text.substr(pos, length);
            std::vector<std::string> groups = captured(regex, text, positional ? 2 : 1);
            Replacement r = replacement_of(*form.form, groups, what);
            if (positional) {
                Regex::Span digits = regex.group(1);
                r = make_positional(std::move(r), text.substr(digits.begin, digits.end - digits.begin), what);
            }
            return std::pair{std::move(r), length};
        }
    }
    return std::nullopt;
}

std::size_t gnu_padding_width(std::size_t n)
{
    double digits = std::log(static_cast<double>(n == 0 ? 1 : n)) / std::log(10.0);
    return 1 + static_cast<std::size_t>(digits);
}

std::string quote_meta(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

} // namespace fanout
