// Shell quoting: turning any byte string into one literal POSIX shell word.
#pragma once

#include <string>
#include <string_view>

namespace fanout {

// True when the shell reads `value` as one word meaning exactly itself.
bool is_shell_safe(std::string_view value);

// Appends `value` to `out` as one shell word: as it is when safe, otherwise in single
// quotes with each ' written as '\''. The empty string becomes ''.
void append_shell_quoted(std::string& out, std::string_view value);

std::string shell_quote(std::string_view value);

// The length append_shell_quoted() would add, without building it.
std::size_t shell_quoted_length(std::string_view value);

} // namespace fanout
