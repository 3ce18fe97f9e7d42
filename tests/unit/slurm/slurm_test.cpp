#include "allocation.hpp"
#include "error.hpp"
#include "frame.hpp"
#include "output.hpp"
#include "slurm_runner.hpp"
#include "support/test_support.hpp"
#include "worker_protocol.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

using namespace fanout;
using fanout::test::scaled;

namespace {

std::string with_nul(std::string text)
{
    text += '\0';
    return text + "after\nnul";
}

struct Recorder : ProcessEvents {
    void on_output(std::uint64_t id, Stream stream, std::string_view data) override
    {
        (stream == Stream::out ? out : err)[id] += data;
    }
    void on_exit(std::uint64_t id, const JobExit& exit) override { exits[id] = exit; }
    void on_lost(std::uint64_t id) override { lost.insert(id); }
    void on_signal(int signal) override { signals.push_back(signal); }

    std::map<std::uint64_t, std::string> out;
    std::map<std::uint64_t, std::string> err;
    std::map<std::uint64_t, JobExit> exits;
    std::set<std::uint64_t> lost;
    std::vector<int> signals;
};

Command shell_command(const std::string& script)
{
    Command command;
    command.argv = {"/bin/sh", "-c", script};
    command.display = script;
    return command;
}

SlurmSetup fake_setup()
{
    SlurmSetup setup;
    setup.worker_program = FANOUT_BINARY;
    setup.srun = std::string(FANOUT_TEST_DATA) + "/fake_srun.sh";
    return setup;
}

SlurmAllocation two_nodes()
{
    return {"7", {{"n1", 2}, {"n2", 3}}};
}

// Waits until `done` holds, handing what happens to `events`.
template <typename Done> void wait_until(Runner& runner, Recorder& events, Done done)
{
    auto deadline = std::chrono::steady_clock::now() + scaled(std::chrono::seconds(20));
    while (!done()) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        runner.wait(events, {}, Millis(100));
    }
}

} // namespace

TEST_CASE("slurm: SLURM_JOB_CPUS_PER_NODE gives one count per node")
{
    CHECK(parse_cpus_per_node("4") == std::vector<std::size_t>{4});
    CHECK(parse_cpus_per_node("72(x2),36") == std::vector<std::size_t>{72, 72, 36});
    CHECK(parse_cpus_per_node("2,1(x3)") == std::vector<std::size_t>{2, 1, 1, 1});
    for (const char* bad : {"", "x", "2(x)", "2(x0)", "0", "2,", "2(x3", "-1", "2(y3)"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_cpus_per_node(bad), Error);
    }
}

TEST_CASE("slurm: the worker's messages come back as they were sent, whatever bytes they hold")
{
    WorkerRequest run;
    run.seq = 12;
    run.slot = 3;
    run.command.argv = {"printf", with_nul("a b\n'c'"), ""};
    run.command.env = {"X=1\n2"};
    run.command.cwd = "dir with space";
    run.command.make_cwd = true;
    run.command.via_shell = true;
    run.command.display = "shown";
    FrameReader reader('\n');
    std::string wire = encode(run);
    for (char byte : wire) { // as a stream may cut it: byte by byte
        CHECK_FALSE(reader.next());
        reader.append(std::string(1, byte));
    }
    auto fields = reader.next();
    REQUIRE(fields);
    WorkerRequest back = decode_request(*fields);
    CHECK(back.seq == 12);
    CHECK(back.slot == 3);
    CHECK(back.command.argv == run.command.argv);
    CHECK(back.command.env == run.command.env);
    CHECK(back.command.cwd == run.command.cwd);
    CHECK(back.command.make_cwd);
    CHECK(back.command.via_shell);
    CHECK(back.command.display == "shown");

    WorkerRequest stop;
    stop.kind = WorkerRequest::Kind::stop;
    stop.signal = SIGINT;
    stop.termseq = parse_termseq("TERM,200,KILL,25");
    reader.append(encode(stop));
    WorkerRequest stop_back = decode_request(*reader.next());
    CHECK(stop_back.kind == WorkerRequest::Kind::stop);
    CHECK(stop_back.signal == SIGINT);
    REQUIRE(stop_back.termseq.size() == 2);
    CHECK(stop_back.termseq[1].signal == SIGKILL);
    CHECK(stop_back.termseq[0].wait == Millis(200));

    WorkerReport output;
    output.kind = WorkerReport::Kind::output;
    output.seq = 5;
    output.stream = Stream::err;
    output.data = with_nul("\n\n");
    WorkerReport exit;
    exit.kind = WorkerReport::Kind::exit;
    exit.seq = 5;
    exit.exit = JobExit::killed(SIGTERM);
    exit.exit.usage.max_rss_kib = 1234;
    reader.append(encode(output) + encode(exit));
    WorkerReport output_back = decode_report(*reader.next());
    CHECK(output_back.stream == Stream::err);
    CHECK(output_back.data == output.data);
    WorkerReport exit_back = decode_report(*reader.next());
    CHECK(exit_back.exit.exit_code == 128 + SIGTERM);
    CHECK(exit_back.exit.signal == SIGTERM);
    CHECK(exit_back.exit.usage.max_rss_kib == 1234);
    CHECK_FALSE(reader.next());
}

TEST_CASE("slurm: a malformed message is an error, not a guess")
{
    FrameReader reader('\n');
    std::string frame = encode_frame({"out", "1", "1", "x"});
    reader.append(frame + "X"); // no end mark
    CHECK_THROWS_AS(reader.next(), Error);
    CHECK_THROWS_AS(decode_report({"out", "1"}), Error);
    CHECK_THROWS_AS(decode_report({"exit", "x", "0", "0", "0", "0", "0"}), Error);
    CHECK_THROWS_AS(decode_request({"run", "1", "1", "0", "0", "", "", "5", "a"}), Error);
    CHECK_THROWS_AS(decode_request({"launch"}), Error);
    FrameReader capped('\n', 16);
    capped.append("garbage!"); // read as a length of 1.6 GB
    CHECK_THROWS_AS(capped.next(), Error);
    FrameReader fits('\n', frame.size() - 4);
    fits.append(frame + "\n");
    CHECK(fits.next());
    CHECK_THROWS_AS(decode_report({"out", "1", "3", "x"}), Error); // no such stream
    CHECK_THROWS_AS(decode_request({"run", "1", "1", "yes", "0", "", "", "1", "a", "0"}), Error);
    CHECK_THROWS_AS(decode_report({"leaving", "15", "extra"}), Error); // a field too many
    CHECK_THROWS_AS(decode_request({"kill", "now"}), Error);
    CHECK(decode_request({"run", "1", "1", "1", "0", "", "", "1", "a", "0"}).command.via_shell);
    // Whatever else a later version says, its hello names its protocol, for fanout to refuse.
    CHECK(decode_report({"hello", "fanout-slurm-worker 2", "n1", "7.0", "more"}).protocol ==
          "fanout-slurm-worker 2");
}

TEST_CASE("slurm: jobs run through a worker per node, which sends back their output and exits")
{
    test::TempDir dir;
    Output output(OutputMode::group, 1, 2);
    SlurmRunner runner(two_nodes(), fake_setup(), std::nullopt, output);
    CHECK(runner.slots() == 5);
    CHECK(runner.host_of(1) == "n1");
    CHECK(runner.host_of(2) == "n1");
    CHECK(runner.host_of(3) == "n2");
    CHECK(runner.host_of(5) == "n2");
    Recorder events;
    for (std::uint64_t seq = 1; seq <= 5; ++seq) {
        auto result = runner.start(
            seq,
            shell_command("echo $SLURMD_NODENAME $FANOUT_SEQ; echo err >&2; exit " + std::to_string(seq)),
            seq);
        REQUIRE(result.started());
    }
    Command hostile;
    hostile.argv = {"printf", "%s|", "a b", "'q'", "new\nline", ""};
    hostile.display = "printf";
    REQUIRE(runner.start(6, hostile, 1).started());
    Command missing;
    missing.argv = {"no-such-program-here"};
    missing.display = "no-such-program-here";
    REQUIRE(runner.start(7, missing, 2).started());
    wait_until(runner, events, [&] { return events.exits.size() == 7; });
    CHECK(events.out[1] == "n1 1\n");
    CHECK(events.out[3] == "n2 3\n");
    CHECK(events.err[4] == "err\n");
    CHECK(events.exits[5].exit_code == 5);
    CHECK(events.out[6] == "a b|'q'|new\nline||");
    CHECK(events.exits[7].exit_code == 127);
    CHECK(events.err[7].find("no-such-program-here") != std::string::npos);
    CHECK(events.lost.empty());
}

TEST_CASE("slurm: a job with input to send cannot run on a node")
{
    Output output(OutputMode::group, 1, 2);
    SlurmRunner runner(two_nodes(), fake_setup(), std::nullopt, output);
    Command command = shell_command("cat");
    command.input = std::make_shared<const std::string>("x");
    CHECK(runner.start(1, command, 1).kind == StartResult::Kind::no_remote_stdin);
}

TEST_CASE("slurm: -j and --cpus-per-task share out each node's CPUs")
{
    Output output(OutputMode::group, 1, 2);
    SlurmSetup setup = fake_setup();
    setup.cpus_per_task = 2;
    SlurmRunner halves(two_nodes(), setup, std::nullopt, output);
    CHECK(halves.slots() == 2); // 2/2 on n1, 3/2 on n2
    CHECK(halves.host_of(2) == "n2");
    SlurmRunner fixed(two_nodes(), fake_setup(), JobCount("4"), output);
    CHECK(fixed.slots() == 8);
    setup.cpus_per_task = 4;
    CHECK_THROWS_AS(SlurmRunner(two_nodes(), setup, std::nullopt, output), Error);
}

TEST_CASE("slurm: a termination sequence reaches the job on its node; stop() ends them all")
{
    Output output(OutputMode::group, 1, 2);
    SlurmRunner runner(two_nodes(), fake_setup(), std::nullopt, output);
    Recorder events;
    REQUIRE(runner.start(1, shell_command("exec sleep 30"), 1).started());
    REQUIRE(runner.start(2, shell_command("exec sleep 30"), 3).started());
    REQUIRE(runner.start(3, shell_command("exec sleep 30"), 4).started());
    runner.wait(events, {}, Millis(200));
    runner.terminate(1, parse_termseq("TERM,1000"));
    wait_until(runner, events, [&] { return events.exits.count(1) == 1; });
    CHECK(events.exits[1].signal == SIGTERM);
    CHECK(events.exits.size() == 1);
    runner.stop(SIGINT, parse_termseq("TERM,1000"));
    wait_until(runner, events, [&] { return events.exits.size() == 3; });
    CHECK(events.exits[2].signal == SIGINT);
    CHECK(events.lost.empty());
}

// The pid of each node's worker, as the fake srun logged them (it execs the worker).
// A runner whose fake sruns write "NODE PID" to `log`, for worker_pids().
std::unique_ptr<SlurmRunner> logged_runner(Output& output, const std::string& log)
{
    ::setenv("FAKE_SRUN_LOG", log.c_str(), 1);
    auto runner = std::make_unique<SlurmRunner>(two_nodes(), fake_setup(), std::nullopt, output);
    ::unsetenv("FAKE_SRUN_LOG");
    return runner;
}

std::map<std::string, pid_t> worker_pids(Runner& runner, Recorder& events, const std::string& log)
{
    std::map<std::string, pid_t> workers;
    auto deadline = std::chrono::steady_clock::now() + scaled(std::chrono::seconds(20));
    while (workers.size() < 2) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        runner.wait(events, {}, Millis(50));
        std::ifstream in(log);
        std::string node;
        pid_t pid = 0;
        while (in >> node >> pid) {
            workers[node] = pid;
        }
    }
    return workers;
}

TEST_CASE("slurm: a node whose step ends loses its running jobs, and takes no more")
{
    test::TempDir dir;
    std::string log = (dir.path() / "sruns").string();
    Output output(OutputMode::group, 1, 2);
    auto logged = logged_runner(output, log);
    SlurmRunner& runner = *logged;
    Recorder events;
    REQUIRE(runner.start(1, shell_command("exec sleep 5"), 1).started()); // dies with its worker
    REQUIRE(runner.start(2, shell_command("echo $SLURMD_NODENAME; exec sleep 1"), 3).started());
    auto workers = worker_pids(runner, events, log);
    ::kill(workers["n1"], SIGKILL); // the worker, as a node that went down
    wait_until(runner, events, [&] { return events.lost.count(1) == 1 && events.exits.count(2) == 1; });
    CHECK(events.exits.count(1) == 0);
    CHECK(events.out[2] == "n2\n");
    CHECK(runner.start(3, shell_command("true"), 1).kind == StartResult::Kind::host_gone);
    CHECK(runner.start(4, shell_command("true"), 4).started());
}

TEST_CASE("slurm: a step Slurm ends (scancel) loses its jobs, though the worker stops them itself")
{
    test::TempDir dir;
    std::string log = (dir.path() / "sruns").string();
    Output output(OutputMode::group, 1, 2);
    auto logged = logged_runner(output, log);
    SlurmRunner& runner = *logged;
    Recorder events;
    REQUIRE(runner.start(1, shell_command("exec sleep 30"), 3).started());
    REQUIRE(runner.start(2, shell_command("exec sleep 30"), 4).started());
    auto workers = worker_pids(runner, events, log);
    runner.wait(events, {}, Millis(200)); // the jobs have started
    ::kill(workers["n2"], SIGTERM);       // as slurmstepd signals a cancelled step
    wait_until(runner, events, [&] { return events.lost.size() == 2; });
    CHECK(events.exits.empty());
    CHECK(runner.start(3, shell_command("true"), 3).kind == StartResult::Kind::host_gone);
    runner.wait(events, {}, Millis(500)); // the stopped jobs' exits that follow are not told
    CHECK(events.exits.empty());
}

TEST_CASE("slurm: a job that writes faster than fanout takes it waits, rather than fill the worker's memory")
{
    test::TempDir dir;
    std::string marker = (dir.path() / "written").string();
    Output output(OutputMode::group, 1, 2);
    SlurmRunner runner(two_nodes(), fake_setup(), std::nullopt, output);
    Recorder events;
    constexpr std::size_t size = 64 << 20;
    REQUIRE(
        runner.start(1, shell_command("head -c " + std::to_string(size) + " /dev/zero; touch " + marker), 1)
            .started());
    // Once the job writes, fanout stops reading: the worker holds a few MiB for it, and
    // the job waits.
    wait_until(runner, events, [&] { return !events.out[1].empty(); });
    std::this_thread::sleep_for(scaled(std::chrono::seconds(2)));
    CHECK_FALSE(std::filesystem::exists(marker));
    wait_until(runner, events, [&] { return events.exits.count(1) == 1; });
    CHECK(std::filesystem::exists(marker));
    CHECK(events.out[1].size() == size);
    CHECK(events.exits[1].exit_code == 0);
}

TEST_CASE("slurm: a job starts in our directory, or fails, even where the worker started elsewhere")
{
    test::TempDir dir;
    std::filesystem::path ours = std::filesystem::current_path();
    // slurmstepd starts the step in /tmp where our directory is missing on the node.
    ::setenv("FAKE_SRUN_CWD", dir.path().c_str(), 1);
    Output output(OutputMode::group, 1, 2);
    SlurmRunner runner(two_nodes(), fake_setup(), std::nullopt, output);
    ::unsetenv("FAKE_SRUN_CWD");
    Recorder events;
    REQUIRE(runner.start(1, shell_command("pwd"), 1).started());
    Command relative = shell_command("pwd");
    relative.cwd = "sub";
    relative.make_cwd = true; // --workdir sub: made in our directory, not the worker's
    REQUIRE(runner.start(2, relative, 3).started());
    wait_until(runner, events, [&] { return events.exits.size() == 2; });
    CHECK(std::filesystem::path(events.out[1].substr(0, events.out[1].size() - 1)) == ours);
    CHECK(events.out[2] == (ours / "sub").string() + "\n");
    CHECK_FALSE(std::filesystem::exists(dir.path() / "sub"));
    std::filesystem::remove(ours / "sub");
}

TEST_CASE("slurm: the jobs of a worker that dies die with it, since they run again elsewhere")
{
    test::TempDir dir;
    std::string log = (dir.path() / "sruns").string();
    std::string marker = (dir.path() / "went-on").string();
    Output output(OutputMode::group, 1, 2);
    auto logged = logged_runner(output, log);
    SlurmRunner& runner = *logged;
    Recorder events;
    REQUIRE(runner.start(1, shell_command("echo started; sleep 1; touch " + marker), 1).started());
    auto workers = worker_pids(runner, events, log);
    wait_until(runner, events, [&] { return !events.out[1].empty(); });
    ::kill(workers["n1"], SIGKILL); // the OOM killer, say
    wait_until(runner, events, [&] { return events.lost.count(1) == 1; });
    std::this_thread::sleep_for(scaled(std::chrono::milliseconds(1500)));
    CHECK_FALSE(std::filesystem::exists(marker));
}

// A stand-in for the worker that, on n1, runs `n1_says` (whatever it is sent), then
// waits for fanout to hang up; on the other nodes it only waits.
SlurmSetup scripted_worker(const test::TempDir& dir, const std::string& n1_says)
{
    std::filesystem::path worker = dir.path() / "worker";
    {
        std::ofstream out(worker);
        out << "#!/bin/sh\n[ \"$SLURMD_NODENAME\" != n1 ] || " << n1_says << "\nexec cat >/dev/null\n";
    }
    std::filesystem::permissions(worker, std::filesystem::perms::owner_all);
    SlurmSetup setup = fake_setup();
    setup.worker_program = worker.string();
    return setup;
}

TEST_CASE("slurm: a worker's output for a job it does not run is not taken for that job's")
{
    test::TempDir dir;
    std::filesystem::path said = dir.path() / "said";
    {
        std::ofstream out(said, std::ios::binary);
        WorkerReport report;
        report.kind = WorkerReport::Kind::hello;
        report.protocol = k_worker_protocol;
        out << encode(report);
        report.kind = WorkerReport::Kind::output;
        report.seq = 1;
        report.data = "mine\n";
        out << encode(report);
        report.seq = 2; // started on the other node
        report.data = "stray\n";
        out << encode(report);
        report.kind = WorkerReport::Kind::exit;
        report.seq = 1;
        out << encode(report);
    }
    Output output(OutputMode::group, 1, 2);
    SlurmRunner runner({"7", {{"n1", 1}, {"n2", 1}}}, scripted_worker(dir, "cat '" + said.string() + "'"),
                       std::nullopt, output);
    Recorder events;
    REQUIRE(runner.start(1, shell_command("true"), 1).started());
    REQUIRE(runner.start(2, shell_command("true"), 2).started());
    // The stray output came before the exit, in the same stream.
    wait_until(runner, events, [&] { return events.exits.count(1) == 1; });
    CHECK(events.out[1] == "mine\n");
    CHECK(events.out.count(2) == 0);
    CHECK(events.lost.empty());
}

TEST_CASE("slurm: a worker whose stdout is not frames is lost at once, not waited for")
{
    test::TempDir dir;
    Output output(OutputMode::group, 1, 2);
    // Bytes that read as a frame of 1.7 GB.
    SlurmRunner runner({"7", {{"n1", 1}, {"n2", 1}}}, scripted_worker(dir, "echo 'garbage!'"), std::nullopt,
                       output);
    Recorder events;
    REQUIRE(runner.start(1, shell_command("true"), 1).started());
    wait_until(runner, events, [&] { return events.lost.count(1) == 1; });
    CHECK(runner.start(2, shell_command("true"), 1).kind == StartResult::Kind::host_gone);
}
