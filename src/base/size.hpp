// Sizes as GNU parallel writes them (--block, --memfree): "1000", "1k" (1000), "64K" (65536), "1.5M".
#pragma once

#include <cstdint>
#include <string_view>

namespace fanout {

// "1000", "64K", "1.5M", "2G" as GNU parallel reads them: k, m, g, t, p, e are powers of
// 1000, K, M, G, T, P, E and Ki, Mi, ki, mi... powers of 1024; a fraction is allowed.
// Throws Error naming `option` otherwise.
std::uint64_t parse_size(std::string_view text, const char* option);

} // namespace fanout
