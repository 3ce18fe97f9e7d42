// GNU parallel's unquote_printf: the escapes it reads in --tagstring and -d.
#pragma once

#include <string>
#include <string_view>

namespace fanout {

// Replaces \t, \n, \r, \NNN and \N (octal, as perl reads them: "\9" is "9", "\089" is a
// NUL and "89") in that order, each rule a pass over the result of the one before, as
// GNU parallel does. There is no escape for a backslash itself. Throws Error naming
// `option` for an octal value above 0377, which perl would make a wide character.
std::string unquote_printf(std::string_view text, std::string_view option);

} // namespace fanout
