// SystemGate: --load and --memfree, whether the machine has room for one more job,
// read from /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fanout {

struct SystemGate {
    std::optional<double> max_load;        // 1-minute load average
    std::optional<std::uint64_t> min_free; // bytes of MemAvailable

    [[nodiscard]] bool configured() const { return max_load || min_free; }
    // True when a new job may start now. Unreadable /proc files never hold jobs back.
    [[nodiscard]] bool open() const;
};

// --load: a number, or N% of `cpus`. Throws Error otherwise.
double parse_load(std::string_view text, std::size_t cpus);

// The first field of /proc/loadavg, and MemAvailable of /proc/meminfo in bytes.
std::optional<double> parse_loadavg(std::string_view contents);
std::optional<std::uint64_t> parse_mem_available(std::string_view contents);

} // namespace fanout
