#include "rfc3339.hpp"

#include <time.h>

#include <cstdio>
#include <ctime>

namespace fanout {

std::string rfc3339(std::chrono::system_clock::time_point time)
{
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    char full[48];
    std::snprintf(full, sizeof full, "%s.%03dZ", text, static_cast<int>(ms % 1000));
    return full;
}

} // namespace fanout
