#include "error.hpp"
#include "semaphore.hpp"
#include "semaphore_dir.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>

using fanout::Error;
using fanout::Millis;
using fanout::parse_semaphore_timeout;
using fanout::Semaphore;
using fanout::semaphore_file_name;
using fanout::SemaphoreHold;
using fanout::SemaphoreTimeout;
using fanout::test::ScopedEnv;
using fanout::test::TempDir;

namespace {

constexpr SemaphoreTimeout k_give_up_soon{Millis{30}, SemaphoreTimeout::Then::give_up};
constexpr SemaphoreTimeout k_run_soon{Millis{30}, SemaphoreTimeout::Then::run_anyway};

} // namespace

TEST_CASE("semaphore: a name becomes one file name, distinct names distinct files")
{
    CHECK(semaphore_file_name("build-1_x") == "build-1_x");
    CHECK(semaphore_file_name("a/b c") == "a%2Fb%20c");
    CHECK(semaphore_file_name("..") == "%2E%2E");
    CHECK(semaphore_file_name("%2F") == "%252F"); // not the same as "/"
    CHECK(semaphore_file_name("/dev/pts/3") == "%2Fdev%2Fpts%2F3");
    CHECK_THROWS_AS((void)semaphore_file_name(""), Error);
    CHECK_THROWS_AS((void)semaphore_file_name(std::string(100, '/')), Error);
}

TEST_CASE("semaphore: --semaphoretimeout: positive runs anyway, negative gives up, 0 waits")
{
    auto run = parse_semaphore_timeout("1.5s");
    REQUIRE(run);
    CHECK(run->after == Millis{1500});
    CHECK(run->then == SemaphoreTimeout::Then::run_anyway);
    auto give_up = parse_semaphore_timeout("-2");
    REQUIRE(give_up);
    CHECK(give_up->after == Millis{2000});
    CHECK(give_up->then == SemaphoreTimeout::Then::give_up);
    CHECK_FALSE(parse_semaphore_timeout("0"));
    CHECK_THROWS_AS((void)parse_semaphore_timeout("soon"), Error);
    CHECK_THROWS_AS((void)parse_semaphore_timeout("--1"), Error);
}

TEST_CASE("semaphore: slots are taken, refused when all are held, and come back")
{
    TempDir dir;
    ScopedEnv runtime("XDG_RUNTIME_DIR", dir.path().string());
    Semaphore semaphore("two slots");
    std::optional<SemaphoreHold> first = semaphore.take_slot(2, k_give_up_soon);
    std::optional<SemaphoreHold> second = semaphore.take_slot(2, k_give_up_soon);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->has_slot());
    CHECK(second->has_slot());
    CHECK_FALSE(semaphore.take_slot(2, k_give_up_soon));
    // A run-anyway timeout runs without a slot.
    std::optional<SemaphoreHold> stolen = semaphore.take_slot(2, k_run_soon);
    REQUIRE(stolen);
    CHECK_FALSE(stolen->has_slot());
    first.reset();
    std::optional<SemaphoreHold> third = semaphore.take_slot(2, k_give_up_soon);
    REQUIRE(third);
    CHECK(third->has_slot());
    // Another name is another semaphore.
    CHECK(Semaphore("another").take_slot(1, k_give_up_soon));
}

TEST_CASE("semaphore: wait_idle waits for every member and counts failures once")
{
    TempDir dir;
    ScopedEnv runtime("XDG_RUNTIME_DIR", dir.path().string());
    Semaphore semaphore("waited");
    CHECK(semaphore.wait_idle(std::nullopt) == std::size_t{0});
    std::optional<SemaphoreHold> held = semaphore.take_slot(1, std::nullopt);
    semaphore.record_failure();
    semaphore.record_failure();
    CHECK_FALSE(semaphore.wait_idle(k_give_up_soon));
    held.reset();
    CHECK(semaphore.wait_idle(k_give_up_soon) == std::size_t{2});
    CHECK(semaphore.wait_idle(k_give_up_soon) == std::size_t{0});
}

TEST_CASE("semaphore: a directory others may write into is refused")
{
    TempDir dir;
    ScopedEnv runtime("XDG_RUNTIME_DIR", dir.path().string());
    {
        Semaphore made("open");
    }
    std::string top = dir.path().string() + "/fanout-semaphores";
    REQUIRE(::chmod((top + "/open").c_str(), 0777) == 0);
    CHECK_THROWS_WITH_AS(Semaphore("open"), doctest::Contains("may be written by others"), Error);
    REQUIRE(::chmod(top.c_str(), 0757) == 0);
    CHECK_THROWS_WITH_AS(Semaphore("other"), doctest::Contains("fanout-semaphores may be written"), Error);
    REQUIRE(::chmod(top.c_str(), 0700) == 0);
    if (::geteuid() == 0) { // only root can give a directory away
        REQUIRE(::chown((top + "/open").c_str(), 65534, 65534) == 0);
        REQUIRE(::chmod((top + "/open").c_str(), 0700) == 0);
        CHECK_THROWS_WITH_AS(Semaphore("open"), doctest::Contains("belongs to user 65534"), Error);
    }
}
