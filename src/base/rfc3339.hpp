// Timestamps as reports write them.
#pragma once

#include <chrono>
#include <string>

namespace fanout {

// RFC 3339 UTC time with milliseconds: 2026-11-21T12:34:56.789Z.
std::string rfc3339(std::chrono::system_clock::time_point time);

} // namespace fanout
