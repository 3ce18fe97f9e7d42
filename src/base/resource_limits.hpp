// Resource limits: what RLIMIT_NPROC leaves us, and the words that name a limit a spawn ran into.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <optional>
#include <string>

namespace fanout {

// The soft limit on `resource`, nullopt when unlimited (or, impossibly, unknown).
[[nodiscard]] std::optional<std::uint64_t> soft_limit(decltype(RLIMIT_NPROC) resource);

// The process limit of our real user and the tasks (threads count) that user runs now,
// ourselves included.
struct ProcessRoom {
    std::uint64_t limit = 0;
    std::uint64_t in_use = 0;
};

// Our user's ProcessRoom when RLIMIT_NPROC may stop `wanted` more processes; nullopt when
// it cannot: no limit, root (the kernel does not hold root to it), or room to spare
// even if every task on the system were ours.
[[nodiscard]] std::optional<ProcessRoom> process_room(std::uint64_t wanted);

// The limit a spawn that failed with `error` ran into, e.g. "the process limit (ulimit
// -u 20)"; empty when `error` is not a shortage (EAGAIN, EMFILE, ENFILE, ENOMEM).
[[nodiscard]] std::string limit_name(int error);

// Why a spawn that failed with `error` is fanout's failure rather than the program's,
// e.g. "too many open files in fanout (ulimit -n 20)"; empty when `error` is not a shortage.
[[nodiscard]] std::string shortage_reason(int error);

} // namespace fanout
