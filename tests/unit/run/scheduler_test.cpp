#include "arg_limits.hpp"
#include "batcher.hpp"
#include "input.hpp"
#include "job_command.hpp"
#include "output.hpp"
#include "report.hpp"
#include "scheduler.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

using fanout::ArgLimits;
using fanout::Batcher;
using fanout::BatchRules;
using fanout::Command;
using fanout::Input;
using fanout::JobCommand;
using fanout::JobControl;
using fanout::JobExit;
using fanout::JobRecord;
using fanout::Millis;
using fanout::Output;
using fanout::OutputMode;
using fanout::ProcessEvents;
using fanout::RunResult;
using fanout::Scheduler;
using fanout::SourceSpec;
using fanout::StartResult;
using fanout::Stream;
using fanout::TermSeq;

using Argv = std::vector<std::string>;

namespace {

using fanout::test::Capture;
using fanout::test::TempDir;

struct StartedJob {
    std::uint64_t seq;
    Argv argv;
    std::size_t slot;
};

// Runs nothing: records what the scheduler starts, and ends jobs when and how the
// test says, through the same events a ProcessSet reports.
class FakeRunner : public fanout::Runner {
public:
    using Script = std::function<void(FakeRunner&, ProcessEvents&)>;

    StartResult start(std::uint64_t seq, const Command& command, std::size_t slot) override
    {
        started.push_back({seq, command.argv, slot});
        if (gone_slots.contains(slot)) {
            return StartResult::failed(StartResult::Kind::host_gone);
        }
        if (auto it = start_errors.find(seq); it != start_errors.end()) {
            return it->second;
        }
        CHECK_MESSAGE(busy_slots.insert(slot).second, "slot ", slot, " given to job ", seq, " while in use");
        running.push_back(seq);
        most_running = std::max(most_running, running.size());
        return {};
    }

    void wait(ProcessEvents& events, std::span<fanout::Waitable* const> also,
              std::optional<Millis> timeout) override
    {
        REQUIRE(++waits < 10000);
        std::vector<pollfd> fds;
        for (const fanout::Waitable* waitable : also) {
            waitable->add_watches(fds);
        }
        CHECK(fds.empty()); // ::: arguments never make it wait for input, nor files for room
        running_at_wait.push_back(running.size());
        last_timeout = timeout;
        script(*this, events);
    }

    void terminate(std::uint64_t seq, const TermSeq&) override { terminated.push_back(seq); }
    void stop(int first, const TermSeq&) override { stops.push_back(first); }
    void kill_all() override { ++kills; }
    void signal_all(int signal) override { signalled.push_back(signal); }
    [[nodiscard]] bool terminating() const override { return terminating_waits > 0; }

    // Ends job `seq` as `exit` says, after it printed `output`.
    void finish(ProcessEvents& events, std::uint64_t seq, const JobExit& exit, const std::string& output)
    {
        auto it = std::find(running.begin(), running.end(), seq);
        REQUIRE(it != running.end());
        running.erase(it);
        busy_slots.erase(slot_of(seq));
        if (!output.empty()) {
            events.on_output(seq, Stream::out, output);
        }
        events.on_exit(seq, exit);
    }

    // Job `seq` ends because the host of its slot went away, after it printed `output`.
    void lose(ProcessEvents& events, std::uint64_t seq, const std::string& output)
    {
        auto it = std::find(running.begin(), running.end(), seq);
        REQUIRE(it != running.end());
        running.erase(it);
        busy_slots.erase(slot_of(seq));
        gone_slots.insert(slot_of(seq));
        events.on_output(seq, Stream::out, output);
        events.on_lost(seq);
    }

    // Ends the oldest running job with the next status the test gave it (0 if none);
    // it prints "out SEQ try N".
    void finish_oldest(ProcessEvents& events)
    {
        REQUIRE_FALSE(running.empty());
        std::uint64_t seq = running.front();
        JobExit status;
        auto it = statuses.find(seq);
        if (it != statuses.end() && !it->second.empty()) {
            status = it->second.front();
            it->second.erase(it->second.begin());
        }
        std::string output = "out " + std::to_string(seq);
        std::size_t tries = starts_of(seq);
        if (tries > 1) {
            output += " try " + std::to_string(tries);
        }
        finish(events, seq, status, output + "\n");
    }

    [[nodiscard]] std::size_t slot_of(std::uint64_t seq) const
    {
        for (auto it = started.rbegin(); it != started.rend(); ++it) {
            if (it->seq == seq) {
                return it->slot;
            }
        }
        FAIL("job ", seq, " never started");
        return 0;
    }

    [[nodiscard]] std::size_t starts_of(std::uint64_t seq) const
    {
        return static_cast<std::size_t>(std::count_if(
            started.begin(), started.end(), [seq](const StartedJob& job) { return job.seq == seq; }));
    }

    [[nodiscard]] std::vector<std::uint64_t> started_seqs() const
    {
        std::vector<std::uint64_t> seqs;
        for (const auto& job : started) {
            seqs.push_back(job.seq);
        }
        return seqs;
    }

    // What the test sets.
    Script script = [](FakeRunner& runner, ProcessEvents& events) { runner.finish_oldest(events); };
    std::map<std::uint64_t, StartResult> start_errors;      // job -> what start() says instead
    std::map<std::uint64_t, std::vector<JobExit>> statuses; // job -> how each attempt ends
    int terminating_waits = 0;                              // waits a termination sequence is still under way
    std::set<std::size_t> gone_slots;                       // slots whose host is down

    // What the runner saw.
    std::vector<StartedJob> started;
    std::vector<std::uint64_t> running; // in start order
    std::set<std::size_t> busy_slots;
    std::size_t most_running = 0;
    std::vector<std::size_t> running_at_wait;
    std::optional<Millis> last_timeout;
    std::vector<std::uint64_t> terminated;
    std::vector<int> stops;
    std::vector<int> signalled;
    int kills = 0;
    int waits = 0;
};

// A report that keeps every job record it is given.
class RecordingReport : public fanout::Report {
public:
    explicit RecordingReport(std::vector<JobRecord>& records, bool& run_finished)
        : m_records(records), m_run_finished(run_finished)
    {
    }
    void job_finished(const JobRecord& job) override { m_records.push_back(job); }
    void run_finished(const fanout::RunProgress&) override { m_run_finished = true; }

private:
    std::vector<JobRecord>& m_records;
    bool& m_run_finished;
};

// What the command line would say: the command and one ':::' source.
struct Settings {
    fanout::CommandSettings command;
    fanout::InputSettings input;
};

Settings options_of(Argv values, Argv command)
{
    Settings options;
    options.command.command = std::move(command);
    SourceSpec source;
    source.kind = SourceSpec::Kind::args;
    source.args = std::move(values);
    options.input.sources = {source};
    return options;
}

JobControl jobs(std::size_t max_jobs)
{
    JobControl control;
    control.max_jobs = max_jobs;
    control.termseq = fanout::parse_termseq(fanout::k_default_termseq);
    return control;
}

// The parts a run needs, wired as main() wires them, with a fake runner.
struct Rig {
    explicit Rig(Argv values, Argv command = {"echo"},
                 ArgLimits arg_limits = fanout::system_arg_limits(0, {}), bool tag = false)
        : options(with_tag(options_of(std::move(values), std::move(command)), tag)), limits(arg_limits),
          commands(options.command, limits), input(options.input),
          batcher(input, commands.command_template(), BatchRules{}, limits), out(dir, "out"), err(dir, "err"),
          output(OutputMode::group, out.fd(), err.fd())
    {
        reports.push_back(std::make_unique<RecordingReport>(records, run_finished));
    }

    RunResult run(JobControl control)
    {
        Scheduler scheduler(batcher, commands, runner, output, reports, std::move(control));
        return scheduler.run();
    }

    RunResult run(std::size_t max_jobs) { return run(jobs(max_jobs)); }

    // The record of job `seq`; fails when there is not exactly one.
    const JobRecord& record(std::uint64_t seq) const
    {
        const JobRecord* found = nullptr;
        for (const auto& r : records) {
            if (r.seq == seq) {
                REQUIRE_MESSAGE(found == nullptr, "two records for job ", seq);
                found = &r;
            }
        }
        REQUIRE_MESSAGE(found != nullptr, "no record for job ", seq);
        return *found;
    }

    static Settings with_tag(Settings options, bool tag)
    {
        options.command.tag = tag;
        return options;
    }

    TempDir dir;
    Settings options;
    ArgLimits limits;
    JobCommand commands;
    Input input;
    Batcher batcher;
    Capture out;
    Capture err;
    Output output;
    std::vector<JobRecord> records;
    bool run_finished = false;
    fanout::Reports reports;
    FakeRunner runner;
};

Argv numbered(std::size_t count)
{
    Argv values;
    for (std::size_t i = 1; i <= count; ++i) {
        values.push_back(std::to_string(i));
    }
    return values;
}

JobExit exited(int code)
{
    return JobExit::exited(code);
}

JobExit killed_by(int signal)
{
    return JobExit::killed(signal);
}

} // namespace

TEST_CASE("Scheduler: never more than -j jobs run at once, and all of them run")
{
    for (std::size_t max_jobs : {1U, 3U, 20U}) {
        CAPTURE(max_jobs);
        Rig rig(numbered(10));
        RunResult result = rig.run(max_jobs);
        CHECK(result.succeeded == 10);
        CHECK(result.failed == 0);
        CHECK(result.signal == 0);
        CHECK(rig.runner.most_running == std::min<std::size_t>(max_jobs, 10));
        REQUIRE_FALSE(rig.runner.running_at_wait.empty());
        CHECK(rig.runner.running_at_wait.front() == std::min<std::size_t>(max_jobs, 10));
        for (std::size_t running : rig.runner.running_at_wait) {
            CHECK(running <= max_jobs);
        }
        CHECK(rig.runner.running.empty());
        REQUIRE(rig.runner.started.size() == 10);
        std::string expected_out;
        for (std::size_t i = 0; i < 10; ++i) {
            const StartedJob& job = rig.runner.started[i];
            CHECK(job.seq == i + 1);
            CHECK(job.argv == Argv{"echo", std::to_string(i + 1)});
            CHECK(job.slot >= 1);
            CHECK(job.slot <= max_jobs);
            expected_out += "out " + std::to_string(i + 1) + "\n";
        }
        CHECK(rig.out.text() == expected_out);
        CHECK(rig.err.text().empty());
    }
}

TEST_CASE("Scheduler: slots are 1..-j, and the lowest free one is reused first")
{
    Rig rig({"a", "b", "c", "d", "e", "f"}, {"echo", "{%}", "{}"});
    int round = 0;
    rig.runner.script = [&round](FakeRunner& runner, ProcessEvents& events) {
        switch (++round) {
        case 1: // jobs 1, 2, 3 run in slots 1, 2, 3
            runner.finish(events, 2, exited(0), "");
            runner.finish(events, 1, exited(0), "");
            break;
        case 2: // jobs 4 and 5 took slots 1 and 2
            runner.finish(events, 3, exited(0), "");
            break;
        default:
            runner.finish_oldest(events);
        }
    };
    RunResult result = rig.run(3);
    CHECK(result.succeeded == 6);
    std::map<std::uint64_t, std::size_t> slots;
    for (const auto& job : rig.runner.started) {
        slots[job.seq] = job.slot;
        CHECK(job.argv[1] == std::to_string(job.slot)); // {%} is the slot
    }
    CHECK(slots == std::map<std::uint64_t, std::size_t>{{1, 1}, {2, 2}, {3, 3}, {4, 1}, {5, 2}, {6, 3}});
    CHECK(rig.runner.started[3].argv == Argv{"echo", "1", "d"});
}

TEST_CASE("Scheduler: jobs that exit non-zero or die by a signal count as failed")
{
    Rig rig(numbered(6));
    rig.runner.statuses = {{2, {exited(1)}}, {4, {exited(3)}}, {5, {killed_by(SIGKILL)}}, {6, {exited(0)}}};
    RunResult result = rig.run(2);
    CHECK(result.failed == 3);
    CHECK(result.succeeded == 3);
    CHECK(result.signal == 0);
    CHECK(rig.runner.started.size() == 6);
    SUBCASE("and the reports hear how each ended")
    {
        CHECK(rig.records.size() == 6);
        CHECK(rig.record(1).exit_code == 0);
        CHECK_FALSE(rig.record(1).failed());
        CHECK(rig.record(2).exit_code == 1);
        CHECK(rig.record(4).exit_code == 3);
        CHECK(rig.record(5).exit_code == 128 + SIGKILL);
        CHECK(rig.record(5).signal == SIGKILL);
        CHECK(rig.record(5).failed());
        CHECK(rig.record(4).command == "echo 4");
        CHECK(rig.record(4).args == Argv{"4"});
        CHECK(rig.record(4).slot >= 1);
        CHECK(rig.run_finished);
    }
}

TEST_CASE("Scheduler: a command that cannot be found fails its job, and the rest still run")
{
    Rig rig(numbered(4));
    rig.runner.start_errors = {{2, StartResult::failed(StartResult::Kind::not_found)}};
    RunResult result = rig.run(2);
    CHECK(result.failed == 1);
    CHECK(result.succeeded == 3);
    CHECK(rig.runner.started_seqs() == std::vector<std::uint64_t>{1, 2, 3, 4});
    std::string err = rig.err.text();
    CHECK(err.find("command not found") != std::string::npos);
    CHECK(err.find("echo") != std::string::npos);
    CHECK(rig.out.text().find("out 2") == std::string::npos);
    CHECK(rig.record(2).exit_code == 127);
    CHECK_FALSE(rig.record(2).started);
    SUBCASE("its slot goes to the next job")
    {
        CHECK(rig.runner.started[1].slot == 2);
        CHECK(rig.runner.started[2].slot == 2);
    }
}

TEST_CASE("Scheduler: any other start error fails the job with its reason")
{
    Rig rig(numbered(3));
    rig.runner.start_errors = {
        {1, StartResult::failed(StartResult::Kind::cannot_execute, std::strerror(EACCES))},
        {3, StartResult::failed(StartResult::Kind::cannot_execute, std::strerror(E2BIG))}};
    RunResult result = rig.run(4);
    CHECK(result.failed == 2);
    CHECK(result.succeeded == 1);
    std::string err = rig.err.text();
    CHECK(err.find(std::strerror(EACCES)) != std::string::npos);
    CHECK(err.find(std::strerror(E2BIG)) != std::string::npos);
    CHECK(rig.record(1).exit_code == 126);
}

TEST_CASE("Scheduler: a job whose command line is too long fails without starting")
{
    ArgLimits limits;
    limits.max_bytes = 200;
    limits.max_single = 60;
    Rig rig({"a", std::string(100, 'x'), "b"}, {"echo"}, limits);
    RunResult result = rig.run(2);
    CHECK(result.failed == 1);
    CHECK(result.succeeded == 2);
    CHECK(rig.runner.started_seqs() == std::vector<std::uint64_t>{1, 3});
    CHECK(rig.err.text().find("too long") != std::string::npos);
    CHECK(rig.record(2).exit_code == 126);
    CHECK_FALSE(rig.record(2).started);
}

TEST_CASE("Scheduler: a signal stops new jobs and is passed on to the running ones")
{
    Rig rig(numbered(10));
    int round = 0;
    rig.runner.script = [&round](FakeRunner& runner, ProcessEvents& events) {
        if (++round == 1) {
            events.on_signal(SIGTERM);
            return;
        }
        runner.finish(events, runner.running.front(), killed_by(SIGTERM), "");
    };
    RunResult result = rig.run(3);
    CHECK(result.signal == SIGTERM);
    CHECK(rig.runner.stops == std::vector<int>{SIGTERM});
    CHECK(rig.runner.kills == 0);
    CHECK(rig.runner.started.size() == 3);
    CHECK(result.failed == 3);
    CHECK(result.succeeded == 0);
    CHECK(rig.runner.running.empty()); // it waited for the running jobs to end
}

TEST_CASE("Scheduler: a second signal kills the jobs")
{
    Rig rig(numbered(10));
    int round = 0;
    rig.runner.script = [&round](FakeRunner& runner, ProcessEvents& events) {
        ++round;
        if (round <= 2) {
            events.on_signal(SIGINT);
            return;
        }
        runner.finish(events, runner.running.front(), killed_by(SIGKILL), "");
    };
    RunResult result = rig.run(2);
    CHECK(result.signal == SIGINT);
    CHECK(rig.runner.stops == std::vector<int>{SIGINT});
    CHECK(rig.runner.kills == 1);
    CHECK(rig.runner.started.size() == 2);
    CHECK(rig.runner.running.empty());
}

TEST_CASE("Scheduler: a stopped run ends only when no termination sequence is under way")
{
    Rig rig(numbered(10));
    int round = 0;
    int waits_after_jobs = 0;
    rig.runner.script = [&](FakeRunner& runner, ProcessEvents& events) {
        if (++round == 1) {
            events.on_signal(SIGINT);
            runner.terminating_waits = 3; // what the jobs leave behind is still being terminated
        } else if (!runner.running.empty()) {
            runner.finish(events, runner.running.front(), killed_by(SIGINT), "");
        } else {
            ++waits_after_jobs;
            --runner.terminating_waits;
        }
    };
    RunResult result = rig.run(2);
    CHECK(result.signal == SIGINT);
    CHECK(rig.runner.running.empty());
    CHECK(waits_after_jobs == 3);
    CHECK(rig.runner.terminating_waits == 0);
    CHECK(rig.runner.kills == 0);
}

TEST_CASE("Scheduler: SIGUSR1 lists the running jobs on stderr, and the run goes on")
{
    Rig rig({"a", "b", "c"});
    int round = 0;
    rig.runner.script = [&round](FakeRunner& runner, ProcessEvents& events) {
        if (++round == 1) {
            events.on_signal(SIGUSR1);
            return;
        }
        runner.finish_oldest(events);
    };
    RunResult result = rig.run(2);
    CHECK(result.signal == 0);
    CHECK(result.succeeded == 3);
    CHECK(rig.runner.stops.empty());
    CHECK(rig.runner.signalled.empty());
    std::string err = rig.err.text();
    CAPTURE(err);
    // A heading, then per job: its seq, how long it has run (so far: "0.0s" on most
    // machines), its command.
    CHECK(err.starts_with("fanout: 2 jobs running:\n  job 1 (running "));
    CHECK(err.find("s): echo a\n  job 2 (running ") != std::string::npos);
    CHECK(err.ends_with("s): echo b\n"));
    CHECK(std::count(err.begin(), err.end(), '\n') == 3);
}

TEST_CASE("Scheduler: every other signal stops the run; INT, TERM, HUP and QUIT are passed on first")
{
    for (int signal : {SIGQUIT, SIGUSR2, SIGALRM, SIGXCPU, SIGRTMIN}) {
        CAPTURE(signal);
        Rig rig(numbered(10));
        int round = 0;
        rig.runner.script = [&round, signal](FakeRunner& runner, ProcessEvents& events) {
            if (++round == 1) {
                events.on_signal(signal);
                return;
            }
            runner.finish(events, runner.running.front(), killed_by(SIGTERM), "");
        };
        RunResult result = rig.run(3);
        CHECK(result.signal == signal);
        CHECK(rig.runner.stops == std::vector<int>{signal == SIGQUIT ? SIGQUIT : 0});
        CHECK(rig.runner.started.size() == 3);
        CHECK(rig.runner.kills == 0);
    }
}

TEST_CASE("Scheduler: SIGCONT is passed on to the jobs, and nothing stops")
{
    Rig rig(numbered(3));
    int round = 0;
    rig.runner.script = [&round](FakeRunner& runner, ProcessEvents& events) {
        if (++round == 1) {
            events.on_signal(SIGCONT);
            return;
        }
        runner.finish_oldest(events);
    };
    RunResult result = rig.run(1);
    CHECK(rig.runner.signalled == std::vector<int>{SIGCONT});
    CHECK(rig.runner.stops.empty());
    CHECK(result.signal == 0);
    CHECK(result.succeeded == 3);
}

TEST_CASE("Scheduler: --retries N runs a failed job up to N times in all; only its last attempt counts")
{
    Rig rig(numbered(3));
    JobControl control = jobs(2);
    control.retries = 3;
    SUBCASE("success on the third attempt")
    {
        rig.runner.statuses = {{2, {exited(1), exited(2), exited(0)}}};
        RunResult result = rig.run(control);
        CHECK(result.succeeded == 3);
        CHECK(result.failed == 0);
        CHECK(rig.runner.starts_of(2) == 3);
        CHECK(rig.record(2).attempts == 3);
        CHECK(rig.record(2).exit_code == 0);
        std::string out = rig.out.text();
        CHECK(out.find("out 2 try 3\n") != std::string::npos);
        CHECK(out.find("try 2") == std::string::npos); // a failed attempt's output is dropped
        CHECK(out.find("out 2\n") == std::string::npos);
    }
    SUBCASE("failure on every attempt")
    {
        rig.runner.statuses = {{1, {exited(5), exited(5), exited(6)}}};
        RunResult result = rig.run(control);
        CHECK(result.failed == 1);
        CHECK(result.succeeded == 2);
        CHECK(rig.runner.starts_of(1) == 3);
        CHECK(rig.record(1).attempts == 3);
        CHECK(rig.record(1).exit_code == 6);
    }
    SUBCASE("never more than -j at once, retries included")
    {
        rig.runner.statuses = {{1, {exited(1), exited(1)}}, {2, {exited(1)}}, {3, {exited(1)}}};
        rig.run(control);
        CHECK(rig.runner.most_running <= 2);
        CHECK(rig.runner.started.size() == 7);
    }
    SUBCASE("0 and 1 are one attempt")
    {
        for (std::size_t retries : {0, 1}) {
            Rig once(numbered(1));
            control.retries = retries;
            once.runner.statuses = {{1, {exited(5), exited(0)}}};
            RunResult result = once.run(control);
            CHECK(result.failed == 1);
            CHECK(once.runner.starts_of(1) == 1);
        }
    }
}

TEST_CASE("Scheduler: --halt")
{
    Rig rig(numbered(10));
    JobControl control = jobs(2);
    control.halt.why = fanout::HaltPolicy::Why::fail;
    control.halt.threshold = 1;
    rig.runner.statuses = {{1, {exited(3)}}};
    SUBCASE("now,fail=1: stops the running jobs at the first failure")
    {
        control.halt.when = fanout::HaltPolicy::When::now;
        rig.runner.script = [](FakeRunner& runner, ProcessEvents& events) {
            if (runner.stops.empty()) {
                runner.finish_oldest(events);
            } else {
                runner.finish(events, runner.running.front(), killed_by(SIGTERM), "");
            }
        };
        RunResult result = rig.run(control);
        REQUIRE(result.halt_exit.has_value());
        CHECK(*result.halt_exit == 3);
        CHECK(rig.runner.stops == std::vector<int>{0});
        CHECK(rig.runner.started.size() == 2);
        CHECK(rig.runner.running.empty());
    }
    SUBCASE("soon,fail=1: starts nothing more and lets the running jobs finish")
    {
        control.halt.when = fanout::HaltPolicy::When::soon;
        RunResult result = rig.run(control);
        REQUIRE(result.halt_exit.has_value());
        CHECK(*result.halt_exit == 3);
        CHECK(rig.runner.stops.empty());
        CHECK(rig.runner.started.size() == 2);
        CHECK(result.succeeded == 1);
        CHECK(result.failed == 1);
    }
}

TEST_CASE("Scheduler: --timeout ends a job that runs too long")
{
    Rig rig(numbered(2));
    JobControl control = jobs(2);
    control.timeout.fixed = Millis(30);
    bool had_deadline = true;
    rig.runner.script = [&had_deadline](FakeRunner& runner, ProcessEvents& events) {
        for (std::uint64_t seq : runner.running) {
            if (std::find(runner.terminated.begin(), runner.terminated.end(), seq) !=
                runner.terminated.end()) {
                runner.finish(events, seq, killed_by(SIGTERM), "");
                return;
            }
        }
        // The jobs hang: let the time pass.
        had_deadline = had_deadline && runner.last_timeout && *runner.last_timeout <= Millis(30);
        std::this_thread::sleep_for(runner.last_timeout.value_or(Millis(40)));
    };
    RunResult result = rig.run(control);
    CHECK(had_deadline);
    std::vector<std::uint64_t> terminated = rig.runner.terminated;
    std::sort(terminated.begin(), terminated.end());
    CHECK(terminated == std::vector<std::uint64_t>{1, 2});
    CHECK(result.failed == 2);
    CHECK(rig.record(1).timed_out);
    CHECK(rig.record(2).timed_out);
}

TEST_CASE("Scheduler: -v shows each command before it runs")
{
    Rig rig({"a b", "c"});
    JobControl control = jobs(1);
    control.verbose = true;
    rig.run(control);
    CHECK(rig.err.text() == "echo 'a b'\necho c\n");
}

TEST_CASE("Scheduler: --tag prefixes each job's lines with its arguments")
{
    Rig rig({"a", "b"}, {"echo"}, fanout::system_arg_limits(0, {}), true);
    rig.run(2);
    CHECK(rig.out.text() == "a\tout 1\nb\tout 2\n");
}

TEST_CASE("Scheduler: a job lost with its host runs again in another slot, and its first output is dropped")
{
    Rig rig(numbered(3));
    int round = 0;
    rig.runner.script = [&round](FakeRunner& runner, ProcessEvents& events) {
        if (++round == 1) {
            runner.lose(events, 1, "lost 1\n");
            return;
        }
        runner.finish_oldest(events);
    };
    RunResult result = rig.run(2);
    CHECK(result.succeeded == 3);
    CHECK(result.failed == 0);
    CHECK_FALSE(result.hosts_gone);
    CHECK(rig.runner.starts_of(1) == 2);
    CHECK(rig.runner.slot_of(1) != 1);
    CHECK(rig.runner.most_running == 2);
    CHECK(rig.runner.running_at_wait.back() <= 1); // one slot is left
    CHECK(rig.record(1).attempts == 1);            // losing a host is no failed attempt
    CHECK(rig.out.text().find("lost 1") == std::string::npos);
    CHECK(rig.out.text().find("out 1 try 2\n") != std::string::npos);
}

TEST_CASE("Scheduler: when every slot's host is gone, nothing more starts and the run says so")
{
    Rig rig(numbered(3));
    rig.runner.gone_slots = {1, 2};
    RunResult result = rig.run(2);
    CHECK(result.hosts_gone);
    CHECK(rig.runner.started_seqs() == std::vector<std::uint64_t>{1, 1});
    CHECK(rig.runner.waits == 0);
    CHECK(rig.records.empty());
}

namespace {

// A report that keeps jobs' stdout itself (as --results DIR and --files do): each
// attempt starts its copy afresh, and its name goes to stdout in place of the output.
class TakingReport : public fanout::Report {
public:
    explicit TakingReport(std::map<std::uint64_t, std::string>& kept) : m_kept(kept) {}
    void job_finished(const JobRecord&) override {}
    [[nodiscard]] bool takes_stream(Stream stream) const override { return stream == Stream::out; }
    void attempt_started(const JobRecord& job) override
    {
        m_kept[job.seq].clear();
        CHECK(job.args.size() == 1);
    }
    void attempt_output(std::uint64_t seq, Stream stream, std::string_view data) override
    {
        CHECK(stream == Stream::out);
        m_kept[seq] += data;
    }
    [[nodiscard]] std::string stdout_in_place(const JobRecord& job) const override
    {
        return "file " + std::to_string(job.seq) + "\n";
    }

private:
    std::map<std::uint64_t, std::string>& m_kept;
};

} // namespace

TEST_CASE("Scheduler: a report that takes stdout gets it, per attempt, and its line is printed instead")
{
    Rig rig({"a", "b"}, {"echo"}, fanout::system_arg_limits(0, {}), true);
    std::map<std::uint64_t, std::string> kept;
    rig.reports.push_back(std::make_unique<TakingReport>(kept));
    JobControl control = jobs(1);
    control.retries = 2;
    rig.runner.statuses = {{2, {exited(1), exited(0)}}};
    RunResult result = rig.run(control);
    CHECK(result.succeeded == 2);
    CHECK(kept[1] == "out 1\n");
    CHECK(kept[2] == "out 2 try 2\n"); // the failed attempt's output is gone
    CHECK(rig.out.text() == "a\tfile 1\nb\tfile 2\n");
}
