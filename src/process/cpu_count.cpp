#include "cpu_count.hpp"

#include "fd.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>

namespace fanout {

namespace {

// The affinity mask grows until the kernel accepts its size; no kernel supports this many.
constexpr std::size_t k_max_cpus = std::size_t{1} << 20;

// The non-empty pieces of `text` between `separator`s.
std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> pieces;
    while (!text.empty()) {
        std::size_t end = std::min(text.find(separator), text.size());
        if (end > 0) {
            pieces.push_back(text.substr(0, end));
        }
        text.remove_prefix(std::min(end + 1, text.size()));
    }
    return pieces;
}

bool contains(const std::vector<std::string_view>& items, std::string_view item)
{
    return std::find(items.begin(), items.end(), item) != items.end();
}

std::string_view trim(std::string_view text)
{
    constexpr std::string_view k_space = " \t\n\r";
    std::size_t begin = text.find_first_not_of(k_space);
    if (begin == std::string_view::npos) {
        return {};
    }
    return text.substr(begin, text.find_last_not_of(k_space) - begin + 1);
}

// All of `text` as a decimal integer, or nullopt.
std::optional<std::int64_t> parse_integer(std::string_view text)
{
    if (text.empty()) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> ratio_if_positive(std::optional<std::int64_t> quota, std::optional<std::int64_t> period)
{
    if (!quota || !period || *quota <= 0 || *period <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(*quota) / static_cast<double>(*period);
}

bool is_octal(char c)
{
    return c >= '0' && c <= '7';
}

// mountinfo writes space, tab, newline and backslash in paths as octal escapes ("\040").
std::string unescape_mount_field(std::string_view field)
{
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        bool escape = field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
                      is_octal(field[i + 2]) && is_octal(field[i + 3]);
        if (escape) {
            out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                     (field[i + 3] - '0'));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

// The whole file, or nullopt when it cannot be read. Plain read() rather than a stream:
// libstdc++ streams throw when the path is a directory.
std::optional<std::string> read_file(const std::string& path)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    std::string contents;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n > 0) {
            contents.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0) {
            return contents;
        } else if (errno != EINTR) {
            return std::nullopt;
        }
    }
}

std::optional<double> tighter(std::optional<double> a, std::optional<double> b)
{
    if (a && b) {
        return std::min(*a, *b);
    }
    return a ? a : b;
}

// The directory of one level of a hierarchy, as the fixture-aware path to open.
std::string level_directory(const CgroupPaths& paths, const CgroupMount& mount, const std::string& level)
{
    std::string directory = paths.root_prefix + mount.mount_point;
    if (!level.empty()) {
        directory += "/" + level;
    }
    return directory;
}

std::optional<double> v2_limit(const CgroupPaths& paths, const CgroupMount& mount, std::string_view cgroup)
{
    std::optional<double> limit;
    for (const std::string& level : cgroup_levels(cgroup, mount.root)) {
        std::optional<std::string> cpu_max = read_file(level_directory(paths, mount, level) + "/cpu.max");
        limit = tighter(limit, parse_cgroup_v2_cpu_max(cpu_max.value_or("")));
    }
    return limit;
}

std::optional<double> v1_limit(const CgroupPaths& paths, const CgroupMount& mount, std::string_view cgroup)
{
    std::optional<double> limit;
    for (const std::string& level : cgroup_levels(cgroup, mount.root)) {
        std::string directory = level_directory(paths, mount, level);
        std::optional<std::string> quota = read_file(directory + "/cpu.cfs_quota_us");
        std::optional<std::string> period = read_file(directory + "/cpu.cfs_period_us");
        limit = tighter(limit, parse_cgroup_v1_quota(quota.value_or(""), period.value_or("")));
    }
    return limit;
}

struct CpuSetDeleter {
    void operator()(cpu_set_t* set) const { CPU_FREE(set); }
};

} // namespace

CgroupMounts parse_cgroup_mounts(std::string_view mountinfo)
{
    CgroupMounts mounts;
    for (std::string_view line : split(mountinfo, '\n')) {
        // "ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS"
        std::vector<std::string_view> fields = split(line, ' ');
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (dash - fields.begin() < 6 || fields.end() - dash < 4) {
            continue;
        }
        CgroupMount mount{unescape_mount_field(fields[3]), unescape_mount_field(fields[4])};
        std::string_view fstype = dash[1];
        if (fstype == "cgroup2" && !mounts.v2) {
            mounts.v2 = mount;
        } else if (fstype == "cgroup" && !mounts.v1_cpu && contains(split(dash[3], ','), "cpu")) {
            mounts.v1_cpu = mount;
        }
    }
    return mounts;
}

CgroupMembership parse_proc_self_cgroup(std::string_view contents)
{
    CgroupMembership membership;
    for (std::string_view line : split(contents, '\n')) {
        // "HIERARCHY_ID:CONTROLLERS:PATH"; the path itself may contain ':'.
        std::size_t first = line.find(':');
        std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos || !line.substr(second + 1).starts_with('/')) {
            continue;
        }
        std::string_view id = line.substr(0, first);
        std::string_view controllers = line.substr(first + 1, second - first - 1);
        std::string path{line.substr(second + 1)};
        if (id == "0" && controllers.empty() && !membership.v2) {
            membership.v2 = path;
        } else if (!membership.v1_cpu && contains(split(controllers, ','), "cpu")) {
            membership.v1_cpu = path;
        }
    }
    return membership;
}

std::vector<std::string> cgroup_levels(std::string_view cgroup, std::string_view mount_root)
{
    std::vector<std::string_view> parts = split(cgroup, '/');
    if (contains(parts, "..") || contains(parts, ".")) {
        return {""};
    }
    // A mount that shows only part of the hierarchy (a container's own cgroup) holds the
    // path below its root; when the path is not below it, try it whole and use what exists.
    std::vector<std::string_view> root_parts = split(mount_root, '/');
    if (root_parts.size() <= parts.size() &&
        std::equal(root_parts.begin(), root_parts.end(), parts.begin())) {
        parts.erase(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(root_parts.size()));
    }
    std::vector<std::string> levels;
    std::string path;
    for (std::string_view part : parts) {
        path += (path.empty() ? "" : "/") + std::string(part);
        levels.push_back(path);
    }
    std::reverse(levels.begin(), levels.end());
    levels.emplace_back();
    return levels;
}

std::optional<double> parse_cgroup_v2_cpu_max(std::string_view contents)
{
    std::vector<std::string_view> words = split(trim(contents), ' ');
    if (words.size() != 2 || words[0] == "max") {
        return std::nullopt;
    }
    return ratio_if_positive(parse_integer(words[0]), parse_integer(words[1]));
}

std::optional<double> parse_cgroup_v1_quota(std::string_view quota_us, std::string_view period_us)
{
    // A quota of -1 means unlimited; it and any other non-positive value give no limit.
    return ratio_if_positive(parse_integer(trim(quota_us)), parse_integer(trim(period_us)));
}

std::optional<double> cgroup_cpu_limit(const CgroupPaths& paths)
{
    std::optional<std::string> cgroup_text = read_file(paths.proc_self_cgroup);
    std::optional<std::string> mountinfo_text = read_file(paths.mountinfo);
    if (!cgroup_text || !mountinfo_text) {
        return std::nullopt;
    }
    CgroupMembership membership = parse_proc_self_cgroup(*cgroup_text);
    CgroupMounts mounts = parse_cgroup_mounts(*mountinfo_text);
    std::optional<double> limit;
    if (membership.v2 && mounts.v2) {
        limit = tighter(limit, v2_limit(paths, *mounts.v2, *membership.v2));
    }
    if (membership.v1_cpu && mounts.v1_cpu) {
        limit = tighter(limit, v1_limit(paths, *mounts.v1_cpu, *membership.v1_cpu));
    }
    return limit;
}

std::size_t affinity_cpu_count()
{
    // Start at glibc's fixed set size and grow: sched_getaffinity() fails with EINVAL while
    // our mask is smaller than the kernel's (machines with more than 1024 CPUs).
    for (std::size_t cpus = CPU_SETSIZE; cpus <= k_max_cpus; cpus *= 2) {
        std::unique_ptr<cpu_set_t, CpuSetDeleter> set(CPU_ALLOC(cpus));
        if (!set) {
            break;
        }
        std::size_t bytes = CPU_ALLOC_SIZE(cpus);
        if (::sched_getaffinity(0, bytes, set.get()) == 0) {
            return static_cast<std::size_t>(std::max(CPU_COUNT_S(bytes, set.get()), 1));
        }
        if (errno != EINVAL) {
            break;
        }
    }
    long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? static_cast<std::size_t>(online) : 1;
}

std::size_t usable_cpu_count(const CgroupPaths& paths)
{
    std::size_t cpus = affinity_cpu_count();
    std::optional<double> limit = cgroup_cpu_limit(paths);
    if (limit && *limit < static_cast<double>(cpus)) {
        // A quota of 1.5 CPUs keeps two jobs busy enough; rounding down would leave it idle.
        cpus = static_cast<std::size_t>(std::ceil(*limit));
    }
    return std::max<std::size_t>(cpus, 1);
}

} // namespace fanout
