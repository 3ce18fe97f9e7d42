#include "signals.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
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
