// ArgLimits: how large one command line may be on this system.
#pragma once

#include "command_template.hpp"

#include <cstddef>
#include <optional>

namespace fanout {

struct ArgLimits {
    std::size_t max_bytes = 0;            // all argv strings with NULs and pointers, after the environment
    std::size_t max_single = 0;           // one argv string, without its NUL
    std::optional<std::size_t> max_chars; // -s: argv strings with their NULs, as xargs counts

    // True when an argv of this size can be passed to execve().
    [[nodiscard]] bool fits(const ArgvSize& size) const;
};

// The kernel's limits (ARG_MAX, MAX_ARG_STRLEN) less the job environment, capped by
// -s/--max-chars when given.
ArgLimits system_arg_limits(std::size_t env_bytes, std::optional<std::size_t> max_chars);

} // namespace fanout
