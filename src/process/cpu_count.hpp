// CPU count: how many CPUs this process may really use, from its affinity mask and cgroup CPU quota.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// Where to look for cgroup information. Tests point these at fixture trees.
struct CgroupPaths {
    std::string proc_self_cgroup = "/proc/self/cgroup";
    std::string mountinfo = "/proc/self/mountinfo";
    std::string root_prefix; // prepended to every mount point, for fixtures
};

// One mounted cgroup hierarchy: `root` is the cgroup the mount shows at `mount_point`
// (not "/" when a container gets its own cgroup bind-mounted).
struct CgroupMount {
    std::string root;
    std::string mount_point;
};

// The hierarchies that can limit CPU time: the unified (v2) one, and the v1 one that
// carries the cpu controller. Either may be missing.
struct CgroupMounts {
    std::optional<CgroupMount> v2;
    std::optional<CgroupMount> v1_cpu;
};

// The first cgroup2 mount and the first cgroup mount with the cpu controller in
// /proc/self/mountinfo text. Lines it does not understand are skipped.
[[nodiscard]] CgroupMounts parse_cgroup_mounts(std::string_view mountinfo);

// This process's cgroup path in each hierarchy, from /proc/self/cgroup text
// ("0::/a/b" for v2, "4:cpu,cpuacct:/a/b" for v1). Lines it does not understand are skipped.
struct CgroupMembership {
    std::optional<std::string> v2;
    std::optional<std::string> v1_cpu;
};
[[nodiscard]] CgroupMembership parse_proc_self_cgroup(std::string_view contents);

// The directories to check for limits, relative to the mount point, from `cgroup` up to
// the mount's own root ("" stands for the mount point itself): for cgroup "/a/b" and
// mount root "/", {"a/b", "a", ""}. A path that cannot be placed under the mount (one
// with ".." from a cgroup namespace) yields only {""}.
[[nodiscard]] std::vector<std::string> cgroup_levels(std::string_view cgroup, std::string_view mount_root);

// CPUs allowed by a cgroup v2 cpu.max file ("150000 100000" is 1.5); nullopt when there is
// no limit ("max 100000") or the contents make no sense.
[[nodiscard]] std::optional<double> parse_cgroup_v2_cpu_max(std::string_view contents);

// CPUs allowed by cgroup v1 cpu.cfs_quota_us and cpu.cfs_period_us contents; nullopt when
// there is no limit (quota -1) or either makes no sense.
[[nodiscard]] std::optional<double> parse_cgroup_v1_quota(std::string_view quota_us,
                                                          std::string_view period_us);

// The tightest CPU quota on this process's cgroup or any of its ancestors, over both v2 and
// v1 hierarchies; nullopt when nothing limits it. Missing or odd files never throw.
[[nodiscard]] std::optional<double> cgroup_cpu_limit(const CgroupPaths& paths);

// CPUs in this thread's affinity mask (any number of CPUs), at least 1.
[[nodiscard]] std::size_t affinity_cpu_count();

// min(affinity_cpu_count(), cgroup_cpu_limit() rounded up), at least 1.
[[nodiscard]] std::size_t usable_cpu_count(const CgroupPaths& paths = {});

} // namespace fanout
