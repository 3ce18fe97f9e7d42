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

// A limit a spawn can run into: none of it is the program's fault.
enum class Shortage {
    processes,         // EAGAIN: RLIMIT_NPROC
    open_files,        // EMFILE: our RLIMIT_NOFILE
    system_open_files, // ENFILE: fs.file-max
    memory,            // ENOMEM
};

// The shortage a spawn that failed with `error` ran into; nullopt when it is no shortage.
[[nodiscard]] std::optional<Shortage> shortage_of(int error);

// The limit behind `shortage`, e.g. "the process limit (ulimit -u 20)".
[[nodiscard]] std::string limit_name(Shortage shortage);

// Why a spawn that hit `shortage` is fanout's failure rather than the program's, e.g.
// "too many open files in fanout (ulimit -n 20)".
[[nodiscard]] std::string shortage_reason(Shortage shortage);

// The same for a spawn's errno; empty when `error` is not a shortage (EAGAIN, EMFILE,
// ENFILE, ENOMEM).
[[nodiscard]] std::string limit_name(int error);
[[nodiscard]] std::string shortage_reason(int error);

} // namespace fanout
