// Job count: turns a -j/--jobs value (N, N%, +N, -N or 0, as GNU parallel) into a number of slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fanout {

// The number of jobs to run at once for `spec`, relative to `cpus` usable CPUs:
//   "N" (N >= 1)  N
//   "0"           `unlimited` (as many as possible; see unlimited_job_count())
//   "+N"          cpus + N
//   "-N"          cpus - N, at least 1
//   "N%"          cpus * N / 100 rounded down, at least 1; N may be fractional ("12.5%")
// The result is never 0. Throws Error for anything else, including values that overflow.
[[nodiscard]] std::size_t parse_job_count(std::string_view spec, std::size_t cpus, std::size_t unlimited);

// A -j value, refused when parsed if parse_job_count() would refuse it, and turned into
// slots only once the CPUs are known: here, or on each remote host.
class JobCount {
public:
    explicit JobCount(std::string_view spec); // throws Error naming -j
    [[nodiscard]] std::size_t slots(std::size_t cpus, std::size_t unlimited) const
    {
        return parse_job_count(m_spec, cpus, unlimited);
    }

private:
    std::string m_spec;
};

// The cap for -j0 on this system, from the soft RLIMIT_NOFILE and RLIMIT_NPROC limits.
[[nodiscard]] std::size_t unlimited_job_count();

// The cap for -j0 given the open-file and process limits (nullopt = no limit): each job
// holds about three descriptors, some stay in reserve; between 1 and 4096.
[[nodiscard]] std::size_t job_cap_for_limits(std::optional<std::uint64_t> open_files,
                                             std::optional<std::uint64_t> processes);

struct ProcessRoom;

// The most jobs that fit in what the process limit leaves (`room`), when each job runs
// `processes_per_job` processes at once and the user keeps a couple; at least 1.
[[nodiscard]] std::size_t job_cap_for_processes(const ProcessRoom& room, std::size_t processes_per_job);

} // namespace fanout
