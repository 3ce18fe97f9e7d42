#include "process.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

using fanout::job_exit_of;
using fanout::JobExit;
using fanout::Shortage;
using fanout::start_result_of;
using fanout::StartResult;
using fanout::test::TempDir;
using Kind = StartResult::Kind;

TEST_CASE("job_exit_of: what wait4() said, as a JobExit")
{
    struct rusage usage {};
    usage.ru_utime = {2, 500'000};
    usage.ru_stime = {0, 250};
    usage.ru_maxrss = 1234;
    SUBCASE("an exit")
    {
        JobExit exit = job_exit_of(W_EXITCODE(42, 0), usage);
        CHECK(exit.exit_code == 42);
        CHECK(exit.signal == 0);
        CHECK(exit.usage.user_cpu == std::chrono::microseconds(2'500'000));
        CHECK(exit.usage.system_cpu == std::chrono::microseconds(250));
        CHECK(exit.usage.max_rss_kib == 1234);
    }
    SUBCASE("a signal")
    {
        JobExit exit = job_exit_of(W_EXITCODE(0, SIGTERM), usage);
        CHECK(exit.exit_code == 128 + SIGTERM);
        CHECK(exit.signal == SIGTERM);
    }
}

TEST_CASE("start_result_of: a failed spawn's errno, as the scheduler needs it")
{
    TempDir dir;
    SUBCASE("out of processes or descriptors: a shortage, whatever the directory")
    {
        CHECK(start_result_of(EAGAIN, "").kind == Kind::out_of_resources);
        CHECK(start_result_of(EAGAIN, "").shortage == Shortage::processes);
        CHECK(start_result_of(EMFILE, dir.file("missing")).shortage == Shortage::open_files);
        CHECK(start_result_of(ENFILE, "").shortage == Shortage::system_open_files);
    }
    SUBCASE("a directory that is missing, a file, or closed to us comes first")
    {
        StartResult missing = start_result_of(ENOENT, dir.file("missing"));
        CHECK(missing.kind == Kind::bad_workdir);
        CHECK(missing.reason == std::strerror(ENOENT));
        StartResult file = start_result_of(EACCES, dir.write("file", "x"));
        CHECK(file.kind == Kind::bad_workdir);
        CHECK(file.reason == std::strerror(ENOTDIR));
        CHECK(start_result_of(ENOMEM, dir.file("missing")).kind == Kind::bad_workdir);
    }
    SUBCASE("with a usable directory (or none), the errno itself")
    {
        CHECK(start_result_of(ENOENT, dir.path().string()).kind == Kind::not_found);
        CHECK(start_result_of(ENOENT, "").kind == Kind::not_found);
        CHECK(start_result_of(ENOMEM, "").kind == Kind::out_of_resources);
        CHECK(start_result_of(ENOMEM, "").shortage == Shortage::memory);
        StartResult refused = start_result_of(EACCES, "");
        CHECK(refused.kind == Kind::cannot_execute);
        CHECK(refused.reason == std::strerror(EACCES));
    }
}
