#include "resource_limits.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string_view>

namespace fanout {

namespace {

// "(ulimit -u 20)" for a soft limit, empty when there is none.
std::string ulimit_words(decltype(RLIMIT_NPROC) resource, char flag)
{
    std::optional<std::uint64_t> limit = soft_limit(resource);
    return limit ? " (ulimit -" + std::string(1, flag) + " " + std::to_string(*limit) + ")" : std::string();
}

// Every task on the system, threads included: the fourth field of /proc/loadavg
// ("running/total"). nullopt when it cannot be read.
std::optional<std::uint64_t> system_tasks()
{
    std::ifstream loadavg("/proc/loadavg");
    std::string field;
    for (int i = 0; i < 4 && loadavg >> field; ++i) {
    }
    std::size_t slash = field.find('/');
    if (!loadavg || slash == std::string::npos) {
        return std::nullopt;
    }
    return std::strtoull(field.c_str() + slash + 1, nullptr, 10);
}

// The threads of /proc/<pid> when its real user is `uid`, else 0.
std::uint64_t tasks_of(std::string_view pid, uid_t uid)
{
    std::ifstream status("/proc/" + std::string(pid) + "/status");
    std::string line;
    bool ours = false;
    while (std::getline(status, line)) {
        if (line.starts_with("Uid:")) {
            ours = std::strtoul(line.c_str() + 4, nullptr, 10) == uid; // the real uid comes first
        } else if (line.starts_with("Threads:")) {
            return ours ? std::strtoull(line.c_str() + 8, nullptr, 10) : 0;
        }
    }
    return 0;
}

// RLIMIT_NPROC counts the tasks of a real user id across the whole system.
std::uint64_t tasks_of_user(uid_t uid)
{
    std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
    std::uint64_t tasks = 0;
    while (proc) {
        const dirent* entry = ::readdir(proc.get());
        if (entry == nullptr) {
            break;
        }
        std::string_view name = entry->d_name;
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos) {
            tasks += tasks_of(name, uid);
        }
    }
    return tasks;
}

} // namespace

std::optional<std::uint64_t> soft_limit(decltype(RLIMIT_NPROC) resource)
{
    rlimit limit{};
    if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(limit.rlim_cur);
}

std::optional<ProcessRoom> process_room(std::uint64_t wanted)
{
    std::optional<std::uint64_t> limit = soft_limit(RLIMIT_NPROC);
    if (!limit || ::getuid() == 0) {
        return std::nullopt;
    }
    // Reading every process's status costs a few milliseconds; one file says first
    // whether that could matter.
    std::optional<std::uint64_t> everyone = system_tasks();
    if (everyone && *everyone + wanted <= *limit) {
        return std::nullopt;
    }
    return ProcessRoom{*limit, tasks_of_user(::getuid())};
}

std::optional<Shortage> shortage_of(int error)
{
    switch (error) {
    case EAGAIN:
        return Shortage::processes;
    case EMFILE:
        return Shortage::open_files;
    case ENFILE:
        return Shortage::system_open_files;
    case ENOMEM:
        return Shortage::memory;
    default:
        return std::nullopt;
    }
}

std::string limit_name(Shortage shortage)
{
    switch (shortage) {
    case Shortage::processes:
        return "the process limit" + ulimit_words(RLIMIT_NPROC, 'u');
    case Shortage::open_files:
        return "the open-file limit" + ulimit_words(RLIMIT_NOFILE, 'n');
    case Shortage::system_open_files:
        return "the system's open-file limit (sysctl fs.file-max)";
    case Shortage::memory:
        return "the memory available";
    }
    return {};
}

std::string shortage_reason(Shortage shortage)
{
    switch (shortage) {
    case Shortage::processes:
        return "no more processes" + ulimit_words(RLIMIT_NPROC, 'u');
    case Shortage::open_files:
        return "too many open files in fanout" + ulimit_words(RLIMIT_NOFILE, 'n');
    case Shortage::system_open_files:
        return "too many open files in the system (sysctl fs.file-max)";
    case Shortage::memory:
        return "out of memory";
    }
    return {};
}

std::string limit_name(int error)
{
    std::optional<Shortage> shortage = shortage_of(error);
    return shortage ? limit_name(*shortage) : std::string();
}

std::string shortage_reason(int error)
{
    std::optional<Shortage> shortage = shortage_of(error);
    return shortage ? shortage_reason(*shortage) : std::string();
}

} // namespace fanout
