#include "arg_limits.hpp"

#include <unistd.h>

#include <algorithm>

namespace fanout {

namespace {
// Linux: one argument string may not exceed 32 pages (MAX_ARG_STRLEN), NUL included.
constexpr std::size_t k_max_arg_strlen = 32 * 4096;
// Headroom that xargs also keeps, for the kernel's own bookkeeping.
constexpr std::size_t k_headroom = 2048;
constexpr std::size_t k_pointer_size = sizeof(char*);
} // namespace

bool ArgLimits::fits(const ArgvSize& size) const
{
    return size.longest < max_single && size.bytes + (size.count + 1) * k_pointer_size <= max_bytes &&
           (!max_chars || size.bytes <= *max_chars);
}

ArgLimits system_arg_limits(std::size_t env_bytes, std::optional<std::size_t> max_chars)
{
    long arg_max = ::sysconf(_SC_ARG_MAX);
    std::size_t total = arg_max > 0 ? static_cast<std::size_t>(arg_max) : 128 * 1024;
    ArgLimits limits;
    std::size_t reserved = env_bytes + k_headroom;
    limits.max_bytes = total > reserved + 4096 ? total - reserved : 4096;
    limits.max_single = k_max_arg_strlen - 1;
    limits.max_chars = max_chars;
    return limits;
}

} // namespace fanout
