#include "failure_summary.hpp"

#include "duration.hpp"
#include "exit_codes.hpp"

namespace fanout {

namespace {
constexpr std::size_t k_command_width = 120;
}

std::string how_it_failed(const JobRecord& job)
{
    if (job.timed_out) {
        return "timed out";
    }
    if (job.signal != 0) {
        return "signal " + signal_name(job.signal);
    }
    if (!job.started) {
        return job.exit_code == k_exit_command_not_found ? "command not found" : "could not start";
    }
    return "exit " + std::to_string(job.exit_code);
}

void FailureSummary::job_finished(const JobRecord& job)
{
    if (!job.failed()) {
        return;
    }
    ++m_failed;
    if (m_lines.size() < k_listed) {
        std::string command = job.command.size() > k_command_width
                                  ? job.command.substr(0, k_command_width) + "..."
                                  : job.command;
        for (char& c : command) {
            c = c == '\n' ? ' ' : c;
        }
        std::string task = job.id.empty() ? std::string() : "task \"" + job.id + "\", ";
        m_lines.push_back("  job " + std::to_string(job.seq) + " (" + task + how_it_failed(job) + "): " + command);
    }
}

void FailureSummary::run_finished(const RunProgress& progress)
{
    if (m_failed == 0) {
        return;
    }
    m_output.alert("fanout: " + std::to_string(m_failed) + " of " + std::to_string(progress.done) +
                   " jobs failed:");
    for (const auto& line : m_lines) {
        m_output.say(line);
    }
    if (m_failed > m_lines.size()) {
        m_output.say("  ... and " + std::to_string(m_failed - m_lines.size()) + " more");
    }
}

} // namespace fanout
