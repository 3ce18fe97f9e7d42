#include "process.hpp"
#include "process_set.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

extern char** environ;

using fanout::JobExit;
using fanout::Millis;
using fanout::ProcessEvents;
using fanout::ProcessSet;
using fanout::SpawnRequest;
using fanout::Stream;
using fanout::TermSeq;

namespace {

using fanout::test::scaled;

constexpr Millis k_patience{20'000};

// Everything a ProcessSet reports, and in which order.
struct Recorder : ProcessEvents {
    void on_output(std::uint64_t id, Stream stream, std::string_view data) override
    {
        (stream == Stream::out ? out : err)[id] += data;
        log.push_back("output " + std::to_string(id));
    }
    void on_exit(std::uint64_t id, const JobExit& exit) override
    {
        exits[id] = exit;
        log.push_back("exit " + std::to_string(id));
    }
    void on_lost(std::uint64_t id) override { log.push_back("lost " + std::to_string(id)); }
    void on_signal(int signal) override { signals.push_back(signal); }

    std::map<std::uint64_t, std::string> out;
    std::map<std::uint64_t, std::string> err;
    std::map<std::uint64_t, JobExit> exits;
    std::vector<std::string> log;
    std::vector<int> signals;
};

// A ProcessSet running real `sh -c` one-liners, and what it reported.
class Children {
public:
    int start(std::uint64_t id, const std::string& script, bool feed_stdin = false)
    {
        m_argv.push_back({"sh", "-c", script});
        SpawnRequest request;
        request.path = &m_sh;
        request.argv = &m_argv.back();
        request.envp = &m_envp;
        request.feed_stdin = feed_stdin;
        return set.start(id, request);
    }

    // Waits for events until `done` holds; false when it still does not after `limit`.
    bool wait_until(const std::function<bool()>& done, Millis limit = k_patience)
    {
        auto deadline = std::chrono::steady_clock::now() + scaled(limit);
        while (!done()) {
            auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
            if (left <= Millis(0)) {
                return false;
            }
            set.wait(events, {}, left);
        }
        return true;
    }

    bool wait_exit(std::uint64_t id)
    {
        return wait_until([&] { return events.exits.count(id) > 0; });
    }

    bool wait_output(std::uint64_t id, const std::string& text)
    {
        return wait_until([&] { return events.out[id].find(text) != std::string::npos; });
    }

    ProcessSet set;
    Recorder events;

private:
    std::string m_sh = fanout::find_executable("sh");
    std::vector<const char*> m_envp = environ_copy();
    std::deque<std::vector<std::string>> m_argv; // a request's argv outlives its spawn

    static std::vector<const char*> environ_copy()
    {
        std::vector<const char*> envp;
        for (char** entry = environ; *entry != nullptr; ++entry) {
            envp.push_back(*entry);
        }
        envp.push_back(nullptr);
        return envp;
    }
};

// Whether process `pid` is gone (or a zombie no one has reaped yet).
bool process_gone(pid_t pid)
{
    std::string stat = fanout::test::popen_output("cat /proc/" + std::to_string(pid) + "/stat 2>/dev/null");
    std::size_t paren = stat.rfind(") ");
    return stat.empty() || (paren != std::string::npos && stat.compare(paren + 2, 1, "Z") == 0);
}

// Kills a pid at the end of a test that failed to make it go.
struct KillAtEnd {
    pid_t pid = 0;
    ~KillAtEnd()
    {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
        }
    }
};

} // namespace

TEST_CASE("ProcessSet: a child's output, then its exit, each known by its id")
{
    Children children;
    REQUIRE(children.start(7, "echo out; echo err >&2; exit 3") == 0);
    REQUIRE(children.start(8, "printf 'a\\nb\\n'") == 0);
    REQUIRE(children.wait_until([&] { return children.events.exits.size() == 2; }));

    CHECK(children.events.out[7] == "out\n");
    CHECK(children.events.err[7] == "err\n");
    CHECK(children.events.out[8] == "a\nb\n");
    CHECK(children.events.exits[7].exit_code == 3);
    CHECK(children.events.exits[7].signal == 0);
    CHECK(children.events.exits[8].exit_code == 0);
    CHECK(children.set.running() == 0);
    // All of a child's output is reported before its exit.
    const auto& log = children.events.log;
    for (std::uint64_t id : {7, 8}) {
        auto exit = std::find(log.begin(), log.end(), "exit " + std::to_string(id));
        CHECK(std::find(exit, log.end(), "output " + std::to_string(id)) == log.end());
    }
}

TEST_CASE("ProcessSet: output written just before the exit is not lost")
{
    Children children;
    std::string big(200'000, 'x'); // more than one read and more than a pipe holds
    REQUIRE(children.start(1, "head -c 200000 /dev/zero | tr '\\0' x; exit 0") == 0);
    REQUIRE(children.wait_exit(1));
    CHECK(children.events.out[1] == big);
}

TEST_CASE("ProcessSet: terminate runs the sequence: a child that ignores SIGTERM ends by the SIGKILL")
{
    Children children;
    REQUIRE(children.start(1, "trap '' TERM; echo ready; exec sleep 60") == 0);
    REQUIRE(children.wait_output(1, "ready"));
    children.set.terminate(1, TermSeq{{SIGTERM, Millis(100)}, {SIGKILL, Millis(25)}});
    REQUIRE(children.wait_exit(1));
    CHECK(children.events.exits[1].signal == SIGKILL);

    SUBCASE("one that does not ignore it ends by the first step")
    {
        REQUIRE(children.start(2, "echo ready; exec sleep 60") == 0);
        REQUIRE(children.wait_output(2, "ready"));
        children.set.terminate(2, TermSeq{{SIGTERM, Millis(60'000)}, {SIGKILL, Millis(25)}});
        REQUIRE(children.wait_exit(2));
        CHECK(children.events.exits[2].signal == SIGTERM);
    }
}

TEST_CASE("ProcessSet: stop reaches the whole process group, also a background grandchild")
{
    Children children;
    // Under sh, a background process ignores SIGINT: only the sequence's TERM ends it.
    REQUIRE(children.start(1, "sleep 60 & echo $!; wait") == 0);
    REQUIRE(children.wait_output(1, "\n"));
    KillAtEnd grandchild{static_cast<pid_t>(std::stoi(children.events.out[1]))};

    children.set.stop(SIGINT, TermSeq{{SIGTERM, Millis(200)}, {SIGKILL, Millis(25)}});
    REQUIRE(children.wait_exit(1));
    CHECK(children.events.exits[1].signal == SIGINT);
    CHECK(children.wait_until([&] { return !children.set.terminating(); }));
    CHECK(children.wait_until([&] { return process_gone(grandchild.pid); }));
}

TEST_CASE("ProcessSet: feed writes a child's stdin as it reads, and closes it after the last piece")
{
    Children children;
    REQUIRE(children.start(1, "cat; echo end", true) == 0);
    children.set.feed(1, std::make_shared<const std::string>("hello "), false);
    REQUIRE(children.wait_output(1, "hello "));
    // More than a pipe holds: written over several waits, as cat takes it.
    auto big = std::make_shared<const std::string>(300'000, 'y');
    children.set.feed(1, big, false);
    children.set.feed(1, std::make_shared<const std::string>("world\n"), true);
    REQUIRE(children.wait_exit(1));
    CHECK(children.events.out[1] == "hello " + *big + "world\nend\n");
    CHECK(children.events.exits[1].exit_code == 0);
}

TEST_CASE("ProcessSet: signal_all sends a signal to every running child's group")
{
    Children children;
    REQUIRE(children.start(1, "echo ready; exec sleep 60") == 0);
    REQUIRE(children.start(2, "echo ready; exec sleep 60") == 0);
    REQUIRE(children.wait_output(1, "ready"));
    REQUIRE(children.wait_output(2, "ready"));
    children.set.signal_all(SIGUSR2);
    REQUIRE(children.wait_until([&] { return children.events.exits.size() == 2; }));
    CHECK(children.events.exits[1].signal == SIGUSR2);
    CHECK(children.events.exits[2].signal == SIGUSR2);
}

TEST_CASE("ProcessSet: a signal sent to this process is reported by wait")
{
    Children children;
    std::string ignored = fanout::test::popen_output("kill -USR1 " + std::to_string(::getpid()));
    CHECK(children.wait_until([&] { return !children.events.signals.empty(); }));
    CHECK(children.events.signals == std::vector<int>{SIGUSR1});
}

TEST_CASE("ProcessSet: children start with no signal blocked and SIGPIPE not ignored")
{
    struct sigaction pipe_before {};
    ::sigaction(SIGPIPE, nullptr, &pipe_before);
    Children children;
    // Read by an exec'd grep: a shell's own mask changes while it waits for a child.
    REQUIRE(children.start(1, "exec grep -E '^Sig(Blk|Ign)' /proc/self/status") == 0);
    REQUIRE(children.wait_exit(1));
    const std::string& status = children.events.out[1];
    CHECK(status.find("SigBlk:\t0000000000000000\n") != std::string::npos);
    std::size_t ignored_at = status.find("SigIgn:\t");
    REQUIRE(ignored_at != std::string::npos);
    unsigned long long ignored = std::stoull(status.substr(ignored_at + 8, 16), nullptr, 16);
    // fanout ignores SIGPIPE for itself only; one our own caller ignored stays ignored.
    if (pipe_before.sa_handler != SIG_IGN) {
        CHECK((ignored & (1ULL << (SIGPIPE - 1))) == 0);
    }
}
