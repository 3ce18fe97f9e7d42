// UTF-8 validity, for reports that must hold text (JSON, XML) made of a job's bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace fanout {

// True when text is valid UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool is_valid_utf8(std::string_view text);

// The length of the valid UTF-8 character at byte `i` of `text`, or 0 when none starts there.
std::size_t utf8_length(std::string_view text, std::size_t i);

} // namespace fanout
