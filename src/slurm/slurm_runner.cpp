#include "slurm_runner.hpp"

#include "error.hpp"
#include "signals.hpp"
#include "worker_protocol.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace fanout {

namespace {

// How long the workers get to end their steps once fanout hangs up (they stop what
// still runs with the default termination sequence first), and scancel after them.
constexpr auto k_step_end_deadline = std::chrono::seconds(10);

} // namespace

SlurmRunner::SlurmRunner(SlurmAllocation allocation, SlurmSetup setup, const std::optional<JobCount>& jobs,
                         Output& output)
    : m_output(output), m_setup(std::move(setup))
{
    std::size_t next = 1;
    for (SlurmNode& node : allocation.nodes) {
        std::size_t cpus = node.cpus / m_setup.cpus_per_task;
        std::size_t slots = cpus == 0 ? 0 : jobs ? jobs->slots(cpus, unlimited_job_count()) : cpus;
        m_first_slot.push_back(next);
        next += slots;
        m_workers.push_back({std::move(node), nullptr, nullptr, {}, slots > 0, {}});
    }
    m_first_slot.push_back(next);
    std::error_code error;
    m_cwd = std::filesystem::current_path(error); // empty on error: the jobs keep srun's
    if (slots() == 0) {
        throw Error("--cpus-per-task " + std::to_string(m_setup.cpus_per_task) +
                    ": no node of the allocation has that many CPUs");
    }
    // Every worker starts now, in parallel; jobs sent before a worker is ready wait in
    // its stdin.
    for (Worker& worker : m_workers) {
        if (worker.up) {
            start_worker(worker);
        }
    }
}

SlurmRunner::~SlurmRunner()
{
    std::vector<AuxProcess*> sruns;
    for (Worker& worker : m_workers) {
        worker.link.reset(); // end of its stdin: it stops what runs and ends
        if (worker.srun) {
            sruns.push_back(worker.srun.get());
        }
    }
    auto deadline = AuxProcess::Clock::now() + k_step_end_deadline;
    wait_for_all(sruns, deadline, false);
    std::vector<std::unique_ptr<AuxProcess>> cancels;
    std::vector<AuxProcess*> waits;
    for (Worker& worker : m_workers) {
        if (worker.srun && !worker.srun->done() && !worker.step.empty()) {
            cancels.push_back(
                std::make_unique<AuxProcess>(std::vector<std::string>{"scancel", "--quiet", worker.step}));
            waits.push_back(cancels.back().get());
        }
    }
    wait_for_all(waits, AuxProcess::Clock::now() + k_step_end_deadline, false);
}

void SlurmRunner::start_worker(Worker& worker)
{
    int fds[2];
    check_os(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), "socketpair");
    Fd ours(fds[0]);
    Fd theirs(fds[1]);
    AuxIo io;
    io.stdin_fd = theirs.get();
    io.stdout_fd = theirs.get();
    io.stderr_fd = STDERR_FILENO; // srun's own errors say best why a node failed
    // The step takes all of the allocation's CPUs on the node (--overlap: beside the
    // step fanout itself may run in), so that a cgroup set up by Slurm fits every slot.
    std::vector<std::string> argv{
        m_setup.srun,
        "--overlap",
        "--nodes=1",
        "--ntasks=1",
        "--nodelist=" + worker.node.name,
        "--cpus-per-task=" + std::to_string(worker.node.cpus),
        "--job-name=fanout-worker",
        "--export=ALL", // the jobs get our environment, whatever SLURM_EXPORT_ENV says
        "--quiet",
        "--",
        m_setup.worker_program,
        "--slurm-worker"};
    worker.srun = std::make_unique<AuxProcess>(argv, io);
    int fd = ours.get();
    worker.link = std::make_unique<FrameLink>(fd, fd, std::move(ours), k_max_report);
}

std::string SlurmRunner::host_of(std::size_t slot) const
{
    auto node = slot_owner(m_first_slot, slot);
    return node ? m_workers[*node].node.name : ":";
}

StartResult SlurmRunner::start(std::uint64_t seq, const Command& command, std::size_t slot)
{
    auto node = slot_owner(m_first_slot, slot);
    if (!node || !m_workers[*node].up) {
        return StartResult::failed(StartResult::Kind::host_gone);
    }
    if (command.input) {
        return StartResult::failed(StartResult::Kind::no_remote_stdin);
    }
    Worker& worker = m_workers[*node];
    WorkerRequest request;
    request.kind = WorkerRequest::Kind::run;
    request.seq = seq;
    request.slot = slot;
    request.command = command;
    // Where our directory is missing on the node, slurmstepd starts the worker in /tmp
    // with no more than a warning: named, the directory fails the job instead, and a
    // relative --workdir stays relative to ours.
    request.command.cwd = command.cwd.empty() ? m_cwd.string() : (m_cwd / command.cwd).string();
    worker.link->send(encode(request));
    worker.running.insert(seq);
    m_job_node[seq] = *node;
    return {};
}

void SlurmRunner::wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout)
{
    std::vector<Waitable*> waitables(also.begin(), also.end());
    for (Worker& worker : m_workers) {
        if (worker.up && worker.link) {
            waitables.push_back(worker.link.get());
        }
    }
    m_local.wait(events, waitables, timeout);
    for (Worker& worker : m_workers) {
        if (worker.up && worker.link) {
            hear(worker, events);
        }
    }
}

// Passes on what the worker said; a worker that went, or speaks nonsense, is lost.
void SlurmRunner::hear(Worker& worker, ProcessEvents& events)
{
    bool heard = false;
    try {
        while (auto fields = worker.link->next()) {
            WorkerReport report = decode_report(*fields);
            heard = true;
            switch (report.kind) {
            case WorkerReport::Kind::hello:
                if (report.protocol != k_worker_protocol) {
                    lose(worker, events, "its worker is another fanout (" + report.protocol + ")");
                    return;
                }
                worker.step = report.step;
                break;
            case WorkerReport::Kind::output:
                if (worker.running.count(report.seq) > 0) { // not another node's job, nor an ended one
                    events.on_output(report.seq, report.stream, report.data);
                }
                break;
            case WorkerReport::Kind::leaving:
                lose(worker, events, "Slurm ends its step with SIG" + signal_name(report.signal));
                return;
            case WorkerReport::Kind::exit:
                if (worker.running.erase(report.seq) > 0) {
                    m_job_node.erase(report.seq);
                    events.on_exit(report.seq, report.exit);
                }
                break;
            }
        }
    } catch (const Error& error) {
        lose(worker, events, error.what());
        return;
    }
    if (heard) { // worker_protocol.hpp says why every message is answered
        WorkerRequest ack;
        ack.kind = WorkerRequest::Kind::ack;
        worker.link->send(encode(ack));
    }
    if (worker.link->ended()) {
        worker.srun->poll();
        lose(worker, events,
             worker.srun->done() && worker.srun->exit_code() != 0
                 ? "its step ended, srun exit " + std::to_string(worker.srun->exit_code())
                 : "its step ended");
    }
}

// The node is down: its jobs did not get to finish, and run again on the other nodes
// (when the run is being stopped, they count as stopped instead).
void SlurmRunner::lose(Worker& worker, ProcessEvents& events, const std::string& why)
{
    worker.up = false;
    worker.link.reset();
    if (!m_stopping) {
        m_output.say("fanout: warning: node " + worker.node.name + " is lost (" + why +
                     "); its jobs run again on the other nodes");
    }
    std::unordered_set<std::uint64_t> running;
    running.swap(worker.running);
    for (std::uint64_t seq : running) {
        m_job_node.erase(seq);
        if (m_stopping) {
            events.on_exit(seq, JobExit::exited(255));
        } else {
            events.on_lost(seq);
        }
    }
}

void SlurmRunner::send_all(const std::string& message)
{
    for (Worker& worker : m_workers) {
        if (worker.up && worker.link) {
            worker.link->send(message);
        }
    }
}

void SlurmRunner::terminate(std::uint64_t seq, const TermSeq& termseq)
{
    auto it = m_job_node.find(seq);
    if (it == m_job_node.end() || !m_workers[it->second].up) {
        return;
    }
    WorkerRequest request;
    request.kind = WorkerRequest::Kind::terminate;
    request.seq = seq;
    request.termseq = termseq;
    m_workers[it->second].link->send(encode(request));
}

void SlurmRunner::stop(int first, const TermSeq& termseq)
{
    m_stopping = true;
    WorkerRequest request;
    request.kind = WorkerRequest::Kind::stop;
    request.signal = first;
    request.termseq = termseq;
    send_all(encode(request));
}

void SlurmRunner::kill_all()
{
    WorkerRequest request;
    request.kind = WorkerRequest::Kind::kill;
    send_all(encode(request));
}

void SlurmRunner::signal_all(int signal)
{
    WorkerRequest request;
    request.kind = WorkerRequest::Kind::signal;
    request.signal = signal;
    send_all(encode(request));
}

void SlurmRunner::suspend()
{
    signal_all(SIGTSTP);
    for (Worker& worker : m_workers) {
        if (worker.up && worker.link) {
            worker.link->flush(); // before we stop: queued, it would wait for our return
        }
    }
    stop_self();
}

} // namespace fanout
