#include "runner.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

using fanout::Command;
using fanout::JobExit;
using fanout::not_started_exit_code;
using fanout::not_started_message;
using fanout::Shortage;
using fanout::StartResult;
using Kind = StartResult::Kind;

namespace {

Command command_of(std::string name, std::string cwd = {})
{
    Command command;
    command.argv = {std::move(name), "arg"};
    command.display = command.argv.front() + " arg";
    command.cwd = std::move(cwd);
    return command;
}

} // namespace

TEST_CASE("StartResult: a default one has started, a failed one has not")
{
    CHECK(StartResult{}.started());
    CHECK_FALSE(StartResult::failed(Kind::not_found).started());
    CHECK_FALSE(StartResult::short_of(Shortage::open_files).started());
    CHECK(StartResult::short_of(Shortage::open_files).kind == Kind::out_of_resources);
    CHECK(StartResult::short_of(Shortage::open_files).shortage == Shortage::open_files);
}

TEST_CASE("not_started_message and not_started_exit_code: why a job did not start, as the shells say it")
{
    SUBCASE("a command not found names the program and exits 127")
    {
        StartResult result = StartResult::failed(Kind::not_found);
        CHECK(not_started_message(4, command_of("nosuch"), result) == "fanout: nosuch: command not found");
        CHECK(not_started_exit_code(result) == 127);
    }
    SUBCASE("a program that would not run names it with the system's reason, exit 126")
    {
        StartResult result = StartResult::failed(Kind::cannot_execute, std::strerror(EACCES));
        CHECK(not_started_message(4, command_of("./x"), result) ==
              std::string("fanout: ./x: ") + std::strerror(EACCES));
        CHECK(not_started_exit_code(result) == 126);
    }
    SUBCASE("a bad working directory names the job and the directory")
    {
        StartResult result = StartResult::failed(Kind::bad_workdir, std::strerror(ENOENT));
        CHECK(not_started_message(7, command_of("make", "build"), result) ==
              std::string("fanout: job 7: cwd 'build': ") + std::strerror(ENOENT));
        CHECK(not_started_exit_code(result) == 126);
    }
    SUBCASE("standard input for a remote job")
    {
        StartResult result = StartResult::failed(Kind::no_remote_stdin);
        CHECK(not_started_message(2, command_of("wc"), result) ==
              "fanout: job 2: standard input cannot be sent to a remote host");
        CHECK(not_started_exit_code(result) == 126);
    }
    SUBCASE("a shortage is fanout's failure, and names what ran out")
    {
        StartResult result = StartResult::short_of(Shortage::memory);
        CHECK(not_started_message(3, command_of("gzip"), result) ==
              "fanout: job 3: cannot start gzip: out of memory");
        CHECK(not_started_exit_code(result) == 126);
        result = StartResult::short_of(Shortage::system_open_files);
        CHECK(not_started_message(3, command_of("gzip"), result) ==
              "fanout: job 3: cannot start gzip: too many open files in the system (sysctl fs.file-max)");
    }
}

TEST_CASE("JobExit: an exit code, or 128 + the signal that killed the job")
{
    JobExit exited = JobExit::exited(3);
    CHECK(exited.exit_code == 3);
    CHECK(exited.signal == 0);
    JobExit killed = JobExit::killed(SIGKILL);
    CHECK(killed.exit_code == 128 + SIGKILL);
    CHECK(killed.signal == SIGKILL);
    JobExit success;
    CHECK(success.exit_code == 0);
    CHECK(success.signal == 0);
    CHECK(success.usage.user_cpu.count() == 0);
}
