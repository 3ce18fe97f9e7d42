#include "shell_quote.hpp"

namespace fanout {

namespace {

bool is_safe_char(unsigned char c)
{
    // Only characters no POSIX shell gives a meaning to, anywhere in a word.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
    case '-':
    case '_':
    case '.':
    case '/':
    case ',':
    case '+':
    case ':':
    case '@':
    case '%':
        return true;
    default:
        return false;
    }
}

} // namespace

bool is_shell_safe(std::string_view value)
{
    if (value.empty()) {
        return false;
    }
    for (unsigned char c : value) {
        if (!is_safe_char(c)) {
            return false;
        }
    }
    return true;
}

void append_shell_quoted(std::string& out, std::string_view value)
{
    if (is_shell_safe(value)) {
        out += value;
        return;
    }
    out += '\'';
    for (char c : value) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += '\'';
}

std::size_t shell_quoted_length(std::string_view value)
{
    if (is_shell_safe(value)) {
        return value.size();
    }
    std::size_t length = value.size() + 2;
    for (char c : value) {
        if (c == '\'') {
            length += 3;
        }
    }
    return length;
}

std::string shell_quote(std::string_view value)
{
    std::string out;
    append_shell_quoted(out, value);
    return out;
}

} // namespace fanout
