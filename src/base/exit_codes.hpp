// The exit codes fanout returns, with GNU parallel's meaning.
#pragma once

#include <cstddef>

namespace fanout {

inline constexpr int k_exit_success = 0;
// 1..100: that many jobs failed.
inline constexpr int k_exit_max_counted_failures = 100;
// More than 100 jobs failed.
inline constexpr int k_exit_many_failures = 101;
// Usage error, unreadable input, or an internal error: no (further) job started.
inline constexpr int k_exit_error = 255;

// A job whose command could not be found, as the shells report it.
inline constexpr int k_exit_command_not_found = 127;
// A job that could not be started for another reason (too long, exec failure).
inline constexpr int k_exit_cannot_run = 126;
// A job whose perl expression called skip(): not run, and counted as failed, as GNU
// parallel records it (its joblog shows -2).
inline constexpr int k_exit_skipped = -2;

constexpr int exit_code_for_failures(std::size_t failed)
{
    if (failed <= static_cast<std::size_t>(k_exit_max_counted_failures)) {
        return static_cast<int>(failed);
    }
    return k_exit_many_failures;
}

} // namespace fanout
