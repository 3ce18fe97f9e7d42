#include "column_names.hpp"

#include <array>

namespace fanout {

namespace {

// The forms GNU parallel rewrites after a name: none, {.}, {/}, {//}, {/.}.
constexpr std::array<std::string_view, 5> k_suffixes = {"}", ".}", "/}", "//}", "/.}"};

// The replacement string of a column at `at` (its '{'): how long it is, and its rewrite.
bool rewrite_at(std::string_view text, std::size_t at, const std::vector<std::string>& names,
                std::size_t& length, std::string& rewritten)
{
    std::size_t best_name = 0;
    bool found = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string& name = names[i];
        if (name.empty() || (found && name.size() <= names[best_name].size()) ||
            text.substr(at + 1, name.size()) != name) {
            continue;
        }
        std::string_view rest = text.substr(at + 1 + name.size());
        for (std::string_view suffix : k_suffixes) {
            if (rest.starts_with(suffix)) {
                found = true;
                best_name = i;
                length = 1 + name.size() + suffix.size();
                rewritten = "{" + std::to_string(i + 1) + std::string(suffix);
                break;
            }
        }
    }
    return found;
}

} // namespace

std::string name_columns(std::string_view text, const std::vector<std::string>& names)
{
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t open = text.find('{', at);
        if (open == std::string_view::npos) {
            break;
        }
        out.append(text.substr(at, open - at));
        if (text.substr(open, 2) == "{=") { // perl code: its text is the expression's own
            std::size_t close = text.find("=}", open + 2);
            at = close == std::string_view::npos ? text.size() : close + 2;
            out.append(text.substr(open, at - open));
            continue;
        }
        std::size_t length = 0;
        std::string rewritten;
        if (rewrite_at(text, open, names, length, rewritten)) {
            out += rewritten;
            at = open + length;
        } else {
            out += '{';
            at = open + 1;
        }
    }
    out.append(text.substr(std::min(at, text.size())));
    return out;
}

} // namespace fanout
