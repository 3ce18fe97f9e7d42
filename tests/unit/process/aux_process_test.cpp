#include "aux_process.hpp"
#include "signals.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

using fanout::AuxIo;
using fanout::AuxProcess;
using fanout::AuxWaitEnd;
using fanout::SignalInbox;
using fanout::wait_for_all;

namespace {

auto in(std::chrono::milliseconds ms)
{
    return AuxProcess::Clock::now() + ms;
}

// Runs `argv` to its end (10 s at most) with stdout captured.
AuxProcess run(const std::vector<std::string>& argv)
{
    AuxProcess helper(argv, AuxIo{-1, -1, true});
    REQUIRE(wait_for_all({&helper}, in(std::chrono::seconds(10)), false).end == AuxWaitEnd::done);
    return helper;
}

// A process that is gone, or a zombie its new parent has not reaped yet.
bool gone(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto paren = text.rfind(')');
    return !stat.is_open() || text.empty() ||
           (paren != std::string::npos && text.substr(paren + 2, 1) == "Z");
}

bool gone_within(pid_t pid, std::chrono::milliseconds limit)
{
    auto deadline = in(limit);
    while (!gone(pid) && AuxProcess::Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return gone(pid);
}

} // namespace

TEST_CASE("AuxProcess reports how the helper ended")
{
    SUBCASE("exit status")
    {
        CHECK(run({"sh", "-c", "exit 3"}).exit_code() == 3);
        CHECK(run({"true"}).exit_code() == 0);
    }
    SUBCASE("killed by a signal: 128+N")
    {
        CHECK(run({"sh", "-c", "kill -TERM $$"}).exit_code() == 128 + SIGTERM);
    }
    SUBCASE("a program that does not exist: done at once, 127, no child")
    {
        AuxProcess helper({"fanout-no-such-program"});
        CHECK_FALSE(helper.started());
        CHECK(helper.done());
        CHECK(helper.exit_code() == 127);
    }
}

TEST_CASE("AuxProcess captures stdout, more than a pipe holds")
{
    CHECK(run({"printf", "hello\\n"}).output() == "hello\n");
    CHECK(run({"head", "-c", "300000", "/dev/zero"}).output().size() == 300000);
}

TEST_CASE("AuxProcess: the helper leads its own process group")
{
    AuxProcess helper = run({"cat", "/proc/self/stat"});
    // After "(comm)": state, ppid, pgrp.
    std::istringstream fields(helper.output().substr(helper.output().rfind(')') + 2));
    std::string state;
    pid_t ppid = 0;
    pid_t group = 0;
    fields >> state >> ppid >> group;
    CHECK(ppid == ::getpid());
    CHECK(group == helper.pid());
}

TEST_CASE("AuxProcess: the helper starts with an empty signal mask while fanout blocks its inbox")
{
    SignalInbox inbox;
    // Read by an exec'd grep, not a shell: dash blocks signals while it waits for a child.
    AuxProcess helper = run({"grep", "^SigBlk", "/proc/self/status"});
    CHECK(helper.output() == "SigBlk:\t0000000000000000\n");
    inbox.drain();
}

TEST_CASE("AuxProcess: its exit fd is readable for the caller's own poll() once it exits")
{
    AuxProcess helper({"sleep", "0.1"});
    REQUIRE(helper.exit_fd() >= 0);
    pollfd fd{helper.exit_fd(), POLLIN, 0};
    CHECK(::poll(&fd, 1, 0) == 0);
    CHECK_FALSE(helper.poll());
    CHECK(::poll(&fd, 1, 5000) == 1);
    CHECK(helper.poll());
    CHECK(helper.exit_code() == 0);
}

TEST_CASE("AuxProcess: a wait ends at its deadline, leaving the helper running")
{
    AuxProcess helper({"sleep", "30"});
    auto start = AuxProcess::Clock::now();
    CHECK(wait_for_all({&helper}, in(std::chrono::milliseconds(100)), false).end == AuxWaitEnd::deadline);
    CHECK(AuxProcess::Clock::now() - start < std::chrono::seconds(5));
    CHECK_FALSE(helper.done());
    helper.kill();
    CHECK(wait_for_all({&helper}, in(std::chrono::seconds(5)), false).end == AuxWaitEnd::done);
    CHECK(helper.exit_code() == 128 + SIGKILL);
}

TEST_CASE("AuxProcess: an interruptible wait ends on a stopping signal, not on SIGCHLD")
{
    SignalInbox inbox;
    AuxProcess quick({"true"});
    CHECK(wait_for_all({&quick}, in(std::chrono::seconds(10)), true).end == AuxWaitEnd::done);

    AuxProcess helper({"sleep", "30"});
    ::raise(SIGINT); // blocked by the inbox: pending
    auto waited = wait_for_all({&helper}, in(std::chrono::seconds(10)), true);
    CHECK(waited.end == AuxWaitEnd::interrupted);
    CHECK(waited.signal == SIGINT);
    CHECK_FALSE(helper.done());
    CHECK(inbox.drain().empty()); // the wait took the SIGINT
}

TEST_CASE("AuxProcess: dropping it kills the helper's whole process group")
{
    pid_t child = 0;
    pid_t grandchild = 0;
    {
        AuxProcess helper({"sh", "-c", "sleep 30 & echo $!; wait"}, AuxIo{-1, -1, true});
        child = helper.pid();
        auto deadline = in(std::chrono::seconds(10));
        while (helper.output().find('\n') == std::string::npos && AuxProcess::Clock::now() < deadline) {
            helper.poll();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        grandchild = std::stoi(helper.output());
        REQUIRE_FALSE(gone(grandchild));
    }
    CHECK(::kill(child, 0) == -1); // reaped by the destructor
    CHECK(errno == ESRCH);
    CHECK(gone_within(grandchild, std::chrono::seconds(5)));
}
