// What fanout refuses by name: GNU parallel's options, input-source markers and
// replacement strings it does not take, each with the nearest fanout equivalent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// The one-line error for an option fanout does not know ("--fifo", "--nice=3", "-v"),
// naming it and, for GNU parallel's options, the nearest fanout equivalent if any.
std::string unsupported_option_message(std::string_view word);

} // namespace fanout
