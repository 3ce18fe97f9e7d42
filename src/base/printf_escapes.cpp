#include "printf_escapes.hpp"

#include "error.hpp"

#include <cstddef>

namespace fanout {

namespace {

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
bool is_octal(char c)
{
    return c >= '0' && c <= '7';
}

// What perl's "\DIGITS" is: up to three octal digits make one character, and the
// digits after them stay; a first digit 8 or 9 is no escape, so only the backslash goes.
std::string perl_escape(std::string_view digits, std::string_view option)
{
    std::size_t used = 0;
    unsigned value = 0;
    while (used < digits.size() && is_octal(digits[used])) {
        value = value * 8 + static_cast<unsigned>(digits[used] - '0');
        ++used;
    }
    if (used == 0) {
        return std::string(digits);
    }
    if (value > 0377) {
        throw Error(std::string(option) + ": '\\" + std::string(digits) +
                    "' is not a byte (octal escapes go up to \\377)");
    }
    return static_cast<char>(value) + std::string(digits.substr(used));
}

// One pass: every "\" followed by `count` digits (or by `letter` when count is 0),
// left to right and not overlapping, as perl's s///g.
std::string replace_pass(std::string_view text, char letter, char with, std::size_t count,
                         std::string_view option)
{
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '\\' || i + 1 >= text.size()) {
            out += text[i++];
            continue;
        }
        if (count == 0) {
            if (text[i + 1] == letter) {
                out += with;
                i += 2;
            } else {
                out += text[i++];
            }
            continue;
        }
        std::size_t digits = 0;
        while (digits < count && i + 1 + digits < text.size() && is_digit(text[i + 1 + digits])) {
            ++digits;
        }
        if (digits == count) {
            out += perl_escape(text.substr(i + 1, count), option);
            i += 1 + count;
        } else {
            out += text[i++];
        }
    }
    return out;
}

} // namespace

std::string unquote_printf(std::string_view text, std::string_view option)
{
    if (text.find('\\') == std::string_view::npos) {
        return std::string(text);
    }
    std::string out = replace_pass(text, 't', '\t', 0, option);
    out = replace_pass(out, 'n', '\n', 0, option);
    out = replace_pass(out, 'r', '\r', 0, option);
    out = replace_pass(out, 0, 0, 3, option);
    return replace_pass(out, 0, 0, 1, option);
}

} // namespace fanout
