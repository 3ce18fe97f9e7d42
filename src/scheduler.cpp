#include "scheduler.hpp"

#include "exit_codes.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

namespace fanout {

Scheduler::Scheduler(Batcher& batcher, const JobCommand& commands, Runner& runner, Output& output,
                     std::size_t max_jobs, bool verbose)
    : m_batcher(batcher), m_commands(commands), m_runner(runner), m_output(output), m_max_jobs(max_jobs),
      m_verbose(verbose)
{
}

RunResult Scheduler::run()
{
    while (true) {
        start_jobs();
        bool more_input = !m_input_ended && m_result.signal == 0;
        if (m_slot_of.empty() && !more_input) {
            return m_result;
        }
        m_runner.wait(*this, m_waiting_for_input ? m_batcher.input_fd() : -1);
    }
}

// Starts jobs while there are free slots and input ready for them; never blocks.
void Scheduler::start_jobs()
{
    m_waiting_for_input = false;
    while (m_slot_of.size() < m_max_jobs && !m_input_ended && m_result.signal == 0) {
        ReadStatus status = m_batcher.next(m_job, false);
        if (status == ReadStatus::would_block) {
            m_waiting_for_input = true;
            return;
        }
        if (status == ReadStatus::end) {
            m_input_ended = true;
            return;
        }
        start_job(m_job);
    }
}

std::size_t Scheduler::take_slot()
{
    if (m_free_slots.empty()) {
        return ++m_slots_made;
    }
    std::size_t slot = m_free_slots.top();
    m_free_slots.pop();
    return slot;
}

void Scheduler::start_job(const JobSpec& job)
{
    std::size_t slot = take_slot();
    m_output.job_started(job.seq, m_commands.tag(job, slot));
    auto built = m_commands.build(job, slot);
    if (auto* why = std::get_if<CannotRun>(&built)) {
        m_free_slots.push(slot);
        fail_to_start(job, *why);
        return;
    }
    const Command& command = std::get<Command>(built);
    if (m_verbose) {
        m_output.say(command.display);
    }
    int error = m_runner.start(job.seq, command, slot);
    if (error != 0) {
        m_free_slots.push(slot);
        const std::string& name = command.argv.empty() ? std::string() : command.argv.front();
        fail_to_start(job, error == ENOENT
                               ? CannotRun{"fanout: " + name + ": command not found", k_exit_command_not_found}
                               : CannotRun{"fanout: " + name + ": " + std::strerror(error), k_exit_cannot_run});
        return;
    }
    m_slot_of.emplace(job.seq, slot);
}

// A job that never ran still counts, and its message keeps its place in the output.
void Scheduler::fail_to_start(const JobSpec& job, const CannotRun& why)
{
    m_output.job_output(job.seq, Stream::err, why.message + "\n");
    m_output.job_finished(job.seq);
    ++m_result.failed;
}

void Scheduler::on_output(std::uint64_t seq, Stream stream, std::string_view data)
{
    m_output.job_output(seq, stream, data);
}

void Scheduler::on_exit(std::uint64_t seq, const ExitInfo& exit)
{
    auto it = m_slot_of.find(seq);
    if (it == m_slot_of.end()) {
        return;
    }
    m_free_slots.push(it->second);
    m_slot_of.erase(it);
    if (exit.exit_code() == 0) {
        ++m_result.succeeded;
    } else {
        ++m_result.failed;
    }
    m_output.job_finished(seq);
}

// First signal: start nothing more and pass it on to every job; a second: kill them.
void Scheduler::on_signal(int signal)
{
    if (m_result.signal == 0) {
        m_result.signal = signal;
        m_runner.stop(signal);
    } else {
        m_runner.kill_all();
    }
}

} // namespace fanout
