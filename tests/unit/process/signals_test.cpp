#include "signals.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <vector>

using fanout::inbox_signals;
using fanout::SignalInbox;

namespace {

bool in_inbox(int signal)
{
    std::vector<int> signals = inbox_signals();
    return std::find(signals.begin(), signals.end(), signal) != signals.end();
}

// Sets a signal's disposition for the life of the object.
class Disposition {
public:
    Disposition(int signal, void (*handler)(int)) : m_signal(signal)
    {
        struct sigaction action {};
        action.sa_handler = handler;
        REQUIRE(::sigaction(signal, &action, &m_old) == 0);
    }
    Disposition(const Disposition&) = delete;
    Disposition& operator=(const Disposition&) = delete;
    ~Disposition() { ::sigaction(m_signal, &m_old, nullptr); }

private:
    int m_signal;
    struct sigaction m_old {};
};

bool disposition_is(int signal, void (*handler)(int))
{
    struct sigaction current {};
    ::sigaction(signal, nullptr, &current);
    return current.sa_handler == handler;
}

sigset_t current_mask()
{
    sigset_t mask;
    REQUIRE(::sigprocmask(SIG_SETMASK, nullptr, &mask) == 0);
    return mask;
}

bool blocked(int signal)
{
    sigset_t mask = current_mask();
    return sigismember(&mask, signal) == 1;
}

} // namespace

TEST_CASE("inbox_signals: every signal that would end fanout, but those it must not catch")
{
    SUBCASE("those that stop the run, and USR1, TSTP, CONT, CHLD")
    {
        for (int signal : {SIGHUP,    SIGINT,       SIGQUIT,  SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
                           SIGVTALRM, SIGPROF,      SIGXCPU,  SIGXFSZ, SIGPWR,  SIGIO,   SIGSTKFLT,
                           SIGRTMIN,  SIGRTMIN + 1, SIGRTMAX, SIGTSTP, SIGCONT, SIGCHLD}) {
            CAPTURE(signal);
            CHECK(in_inbox(signal));
        }
    }
    SUBCASE("not those that cannot be caught, the faults, PIPE, or those that end nothing")
    {
        for (int signal : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT,
                           SIGPIPE, SIGWINCH, SIGURG, SIGTTIN, SIGTTOU}) {
            CAPTURE(signal);
            CHECK_FALSE(in_inbox(signal));
        }
    }
    SUBCASE("each once")
    {
        std::vector<int> signals = inbox_signals();
        std::sort(signals.begin(), signals.end());
        CHECK(std::adjacent_find(signals.begin(), signals.end()) == signals.end());
    }
}

TEST_CASE("SignalInbox: a signal ignored at start stays ignored and never arrives")
{
    Disposition ignored(SIGUSR2, SIG_IGN);
    SignalInbox inbox;
    CHECK(disposition_is(SIGUSR2, SIG_IGN));
    ::raise(SIGUSR2);
    ::raise(SIGUSR1);
    CHECK(inbox.drain() == std::vector<int>{SIGUSR1});
}

TEST_CASE("SignalInbox: SIGCHLD ignored at start is set to its default while the inbox lives")
{
    Disposition ignored(SIGCHLD, SIG_IGN);
    {
        SignalInbox inbox;
        CHECK(disposition_is(SIGCHLD, SIG_DFL));
    }
    CHECK(disposition_is(SIGCHLD, SIG_IGN));
}

TEST_CASE("SignalInbox: a SIGUSR1 sent by another process with kill arrives on fd()")
{
    SignalInbox inbox;
    std::string ignored = fanout::test::popen_output("kill -USR1 " + std::to_string(::getpid()));
    std::vector<int> received;
    auto deadline = std::chrono::steady_clock::now() + fanout::test::scaled(std::chrono::seconds(20));
    while (received.empty() && std::chrono::steady_clock::now() < deadline) {
        pollfd ready{inbox.fd(), POLLIN, 0};
        ::poll(&ready, 1, 100);
        received = inbox.drain(); // without the SIGCHLD of popen's shell
    }
    CHECK(received == std::vector<int>{SIGUSR1});
}

TEST_CASE("SignalInbox: blocks the inbox signals while it lives, then restores the mask and dispositions")
{
    Disposition pipe_default(SIGPIPE, SIG_DFL);
    sigset_t before = current_mask();
    REQUIRE_FALSE(sigismember(&before, SIGUSR1));
    {
        SignalInbox inbox;
        for (int signal : {SIGUSR1, SIGTERM, SIGINT, SIGCHLD, SIGTSTP}) {
            CAPTURE(signal);
            CHECK(blocked(signal));
        }
        CHECK_FALSE(blocked(SIGSEGV)); // a fault must act at once
        CHECK(disposition_is(SIGPIPE, SIG_IGN));
    }
    sigset_t after = current_mask();
    for (int signal = 1; signal < NSIG; ++signal) {
        CAPTURE(signal);
        CHECK(sigismember(&after, signal) == sigismember(&before, signal));
    }
    CHECK(disposition_is(SIGPIPE, SIG_DFL));
}
