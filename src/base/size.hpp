// Sizes as GNU parallel writes them (--block, --memfree): "1000", "64k", "1.5M", "2G".
#pragma once

#include <cstdint>
#include <string_view>

namespace fanout {

// "1000", "64k", "500M", "2G", "1T" (powers of 1024, as GNU parallel; a fraction is
// allowed). Throws Error naming `option` otherwise.
std::uint64_t parse_size(std::string_view text, const char* option);

} // namespace fanout
