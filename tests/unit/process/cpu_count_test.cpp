#include "cpu_count.hpp"

#include <doctest/doctest.h>

#include <sched.h>

#include <algorithm>
#include <memory>
#include <string>

using fanout::cgroup_cpu_limit;
using fanout::cgroup_levels;
using fanout::CgroupPaths;
using fanout::parse_cgroup_mounts;
using fanout::parse_cgroup_v1_quota;
using fanout::parse_cgroup_v2_cpu_max;
using fanout::parse_proc_self_cgroup;
using Levels = std::vector<std::string>;

namespace {

// The paths of one fixture tree under tests/data/cgroup/.
CgroupPaths fixture(const std::string& name)
{
    std::string root = std::string(FANOUT_TEST_DATA) + "/cgroup/" + name;
    return CgroupPaths{root + "/proc_self_cgroup", root + "/mountinfo", root};
}

struct CpuSetDeleter {
    void operator()(cpu_set_t* set) const { CPU_FREE(set); }
};
using CpuSet = std::unique_ptr<cpu_set_t, CpuSetDeleter>;

// Large enough for any machine these tests run on.
constexpr int k_test_cpus = 8192;

// Restricts this thread to one CPU for one test and restores its mask afterwards.
class PinnedToOneCpu {
public:
    PinnedToOneCpu() : m_saved(CPU_ALLOC(k_test_cpus)), m_bytes(CPU_ALLOC_SIZE(k_test_cpus))
    {
        REQUIRE(m_saved);
        REQUIRE(::sched_getaffinity(0, m_bytes, m_saved.get()) == 0);
        m_count = CPU_COUNT_S(m_bytes, m_saved.get());
        int first = 0;
        while (!CPU_ISSET_S(first, m_bytes, m_saved.get())) {
            ++first;
        }
        CpuSet one(CPU_ALLOC(k_test_cpus));
        CPU_ZERO_S(m_bytes, one.get());
        CPU_SET_S(first, m_bytes, one.get());
        REQUIRE(::sched_setaffinity(0, m_bytes, one.get()) == 0);
    }
    PinnedToOneCpu(const PinnedToOneCpu&) = delete;
    PinnedToOneCpu& operator=(const PinnedToOneCpu&) = delete;
    ~PinnedToOneCpu() { ::sched_setaffinity(0, m_bytes, m_saved.get()); }

    // How many CPUs the thread had before.
    [[nodiscard]] std::size_t saved_count() const { return static_cast<std::size_t>(m_count); }

private:
    CpuSet m_saved;
    std::size_t m_bytes;
    int m_count = 0;
};

} // namespace

TEST_CASE("parse_cgroup_v2_cpu_max: quota over period, max is no limit")
{
    CHECK(parse_cgroup_v2_cpu_max("150000 100000") == 1.5);
    CHECK(parse_cgroup_v2_cpu_max("150000 100000\n") == 1.5);
    CHECK(parse_cgroup_v2_cpu_max("100000 100000\n") == 1.0);
    CHECK(parse_cgroup_v2_cpu_max("50000 100000\n") == 0.5);
    CHECK(parse_cgroup_v2_cpu_max("1600000 100000\n") == 16.0);
    CHECK_FALSE(parse_cgroup_v2_cpu_max("max 100000\n").has_value());
    CHECK_FALSE(parse_cgroup_v2_cpu_max("max 100000").has_value());
}

TEST_CASE("parse_cgroup_v2_cpu_max: malformed contents are no limit")
{
    const char* malformed[] = {"",
                               "\n",
                               "garbage",
                               "max",
                               "150000",
                               "150000 0",
                               "0 100000",
                               "-5 100000",
                               "150000 -100000",
                               "1 2 3",
                               "abc 100000",
                               "150000 abc",
                               "1.5 1",
                               "150000x 100000",
                               "max max",
                               "99999999999999999999 100000"};
    for (const char* contents : malformed) {
        CAPTURE(contents);
        CHECK_FALSE(parse_cgroup_v2_cpu_max(contents).has_value());
    }
}

TEST_CASE("parse_cgroup_v1_quota: quota over period, -1 is no limit")
{
    CHECK(parse_cgroup_v1_quota("250000\n", "100000\n") == 2.5);
    CHECK(parse_cgroup_v1_quota("50000", "100000") == 0.5);
    CHECK(parse_cgroup_v1_quota("200000", "100000") == 2.0);
    CHECK_FALSE(parse_cgroup_v1_quota("-1\n", "100000\n").has_value());
}

TEST_CASE("parse_cgroup_v1_quota: malformed contents are no limit")
{
    CHECK_FALSE(parse_cgroup_v1_quota("-5", "100000").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("0", "100000").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("100000", "0").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("100000", "-1").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("", "100000").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("100000", "").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("abc", "100000").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("1.5e5", "100000").has_value());
    CHECK_FALSE(parse_cgroup_v1_quota("100000 100000", "100000").has_value());
}

TEST_CASE("parse_proc_self_cgroup: finds the v2 path and the v1 cpu path")
{
    fanout::CgroupMembership v2 = parse_proc_self_cgroup("0::/user.slice/foo\n");
    CHECK(v2.v2 == "/user.slice/foo");
    CHECK_FALSE(v2.v1_cpu.has_value());

    fanout::CgroupMembership v1 =
        parse_proc_self_cgroup("5:cpuset:/a\n4:cpu,cpuacct:/docker/abc\n2:cpuacct:/b\n");
    CHECK_FALSE(v1.v2.has_value());
    CHECK(v1.v1_cpu == "/docker/abc");

    fanout::CgroupMembership hybrid = parse_proc_self_cgroup("4:memory:/m\n2:cpuacct:/x\n1:cpu:/y\n0::/z\n");
    CHECK(hybrid.v2 == "/z");
    CHECK(hybrid.v1_cpu == "/y");
}

TEST_CASE("parse_proc_self_cgroup: ignores other controllers and odd lines")
{
    fanout::CgroupMembership membership = parse_proc_self_cgroup(
        "garbage\n::\n3:cpuset:/s\n2:cpuacct:/a\n1:name=systemd:/n\n7:cpu:relative\n0::/a:b\n");
    CHECK_FALSE(membership.v1_cpu.has_value());
    CHECK(membership.v2 == "/a:b");
    CHECK_FALSE(parse_proc_self_cgroup("").v2.has_value());
}

TEST_CASE("parse_cgroup_mounts: finds cgroup2 and the v1 cpu hierarchy")
{
    fanout::CgroupMounts mounts = parse_cgroup_mounts(
        "21 0 259:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
        "32 30 0:28 / /sys/fs/cgroup/cpuset rw,nosuid shared:5 - cgroup cgroup rw,cpuset\n"
        "33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:6 master:2 - cgroup cgroup rw,cpu,cpuacct\n"
        "41 31 0:38 /docker/abc /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
    REQUIRE(mounts.v2.has_value());
    CHECK(mounts.v2->mount_point == "/sys/fs/cgroup/unified");
    CHECK(mounts.v2->root == "/docker/abc");
    REQUIRE(mounts.v1_cpu.has_value());
    CHECK(mounts.v1_cpu->mount_point == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(mounts.v1_cpu->root == "/");
}

TEST_CASE("parse_cgroup_mounts: decodes escaped mount points and skips short lines")
{
    fanout::CgroupMounts mounts =
        parse_cgroup_mounts("1 2 3 - cgroup2\n"
                            "garbage\n"
                            "44 21 0:40 / /mnt/my\\040cgroup\\134x rw - cgroup2 none rw\n"
                            "45 21 0:41 / /mnt/cpuacct rw - cgroup cgroup rw,cpuacct\n");
    REQUIRE(mounts.v2.has_value());
    CHECK(mounts.v2->mount_point == "/mnt/my cgroup\\x");
    CHECK_FALSE(mounts.v1_cpu.has_value());
}

TEST_CASE("cgroup_levels: from the cgroup up to the mount's root")
{
    CHECK(cgroup_levels("/a/b", "/") == Levels{"a/b", "a", ""});
    CHECK(cgroup_levels("/", "/") == Levels{""});
    CHECK(cgroup_levels("/a//b/", "/") == Levels{"a/b", "a", ""});
    CHECK(cgroup_levels("/docker/abc/inner", "/docker/abc") == Levels{"inner", ""});
    CHECK(cgroup_levels("/docker/abc", "/docker/abc") == Levels{""});
    // Not below the mount's root: try the whole path and let missing levels be skipped.
    CHECK(cgroup_levels("/docker/abcdef", "/docker/abc") == Levels{"docker/abcdef", "docker", ""});
    // Outside our cgroup namespace: only the mount point itself is known.
    CHECK(cgroup_levels("/../../other", "/") == Levels{""});
    CHECK(cgroup_levels("/a/./b", "/") == Levels{""});
}

TEST_CASE("cgroup_cpu_limit: v2 leaf limit")
{
    std::optional<double> limit = cgroup_cpu_limit(fixture("v2_limited"));
    REQUIRE(limit.has_value());
    CHECK(*limit == 1.5);
}

TEST_CASE("cgroup_cpu_limit: v2 without limits")
{
    CHECK_FALSE(cgroup_cpu_limit(fixture("v2_unlimited")).has_value());
}

TEST_CASE("cgroup_cpu_limit: a parent's v2 limit applies to its children")
{
    std::optional<double> limit = cgroup_cpu_limit(fixture("v2_nested_parent_limits"));
    REQUIRE(limit.has_value());
    CHECK(*limit == 0.5);
}

TEST_CASE("cgroup_cpu_limit: v1 cpu,cpuacct limit, cpuset hierarchy ignored")
{
    std::optional<double> limit = cgroup_cpu_limit(fixture("v1_limited"));
    REQUIRE(limit.has_value());
    CHECK(*limit == 2.5);
}

TEST_CASE("cgroup_cpu_limit: v1 without limits")
{
    CHECK_FALSE(cgroup_cpu_limit(fixture("v1_unlimited")).has_value());
}

TEST_CASE("cgroup_cpu_limit: hybrid host, cpu controller on v1")
{
    std::optional<double> limit = cgroup_cpu_limit(fixture("hybrid"));
    REQUIRE(limit.has_value());
    CHECK(*limit == 1.5);
}

TEST_CASE("cgroup_cpu_limit: the tighter of v2 and v1 wins")
{
    std::optional<double> limit = cgroup_cpu_limit(fixture("hybrid_both_limit"));
    REQUIRE(limit.has_value());
    CHECK(*limit == 1.0);
}

TEST_CASE("cgroup_cpu_limit: malformed files at every level are no limit")
{
    CHECK_FALSE(cgroup_cpu_limit(fixture("malformed")).has_value());
}

TEST_CASE("cgroup_cpu_limit: a cgroup path missing under the mount uses the levels that exist")
{
    std::optional<double> limit = cgroup_cpu_limit(fixture("namespaced"));
    REQUIRE(limit.has_value());
    CHECK(*limit == 2.0);
}

TEST_CASE("cgroup_cpu_limit: a mount showing a sub-cgroup is walked from its root")
{
    std::optional<double> limit = cgroup_cpu_limit(fixture("bind_mounted_root"));
    REQUIRE(limit.has_value());
    CHECK(*limit == 0.5);
}

TEST_CASE("cgroup_cpu_limit: missing or unreadable inputs are no limit")
{
    CHECK_FALSE(cgroup_cpu_limit(fixture("does_not_exist")).has_value());
    std::string directory = std::string(FANOUT_TEST_DATA) + "/cgroup";
    CHECK_FALSE(cgroup_cpu_limit(CgroupPaths{directory, directory, directory}).has_value());
    CgroupPaths no_mountinfo = fixture("v2_limited");
    no_mountinfo.mountinfo = directory + "/missing";
    CHECK_FALSE(cgroup_cpu_limit(no_mountinfo).has_value());
}

TEST_CASE("affinity_cpu_count: counts the CPUs this thread may run on")
{
    PinnedToOneCpu pinned;
    CHECK(fanout::affinity_cpu_count() == 1);
    CHECK(fanout::usable_cpu_count(fixture("v2_unlimited")) == 1);
}

TEST_CASE("affinity_cpu_count: matches the full mask")
{
    std::size_t before = 0;
    {
        PinnedToOneCpu pinned;
        before = pinned.saved_count();
    }
    CHECK(fanout::affinity_cpu_count() == before);
    CHECK(before >= 1);
}

TEST_CASE("usable_cpu_count: the quota rounded up caps the affinity count")
{
    std::size_t affinity = fanout::affinity_cpu_count();
    CHECK(fanout::usable_cpu_count(fixture("v2_unlimited")) == affinity);
    CHECK(fanout::usable_cpu_count(fixture("v2_limited")) == std::min<std::size_t>(affinity, 2));
    CHECK(fanout::usable_cpu_count(fixture("v1_limited")) == std::min<std::size_t>(affinity, 3));
    CHECK(fanout::usable_cpu_count(fixture("v2_nested_parent_limits")) == 1);
    CHECK(fanout::usable_cpu_count(fixture("malformed")) == affinity);
}

TEST_CASE("usable_cpu_count: this machine")
{
    std::size_t cpus = fanout::usable_cpu_count();
    MESSAGE("usable_cpu_count() on this machine: " << cpus);
    CHECK(cpus >= 1);
    CHECK(cpus <= fanout::affinity_cpu_count());
}
