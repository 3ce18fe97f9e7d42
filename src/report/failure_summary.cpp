#include "failure_summary.hpp"

#include "duration.hpp"
#include "exit_codes.hpp"
#include "utf8.hpp"

#include <algorithm>

namespace fanout {

namespace {

constexpr std::size_t k_command_width = 120;

// How the character of `length` bytes at `text[i]` is shown (0: a byte that is not UTF-8).
std::string shown(std::string_view text, std::size_t i, std::size_t length)
{
    static constexpr char k_hex[] = "0123456789abcdef";
    auto byte = static_cast<unsigned char>(text[i]);
    bool c1 = length == 2 && byte == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    bool control = length == 1 && (byte < 0x20 || byte == 0x7F);
    if (length != 0 && !c1 && !control) {
        return std::string(text.substr(i, length));
    }
    if (byte == '\t' || byte == '\n' || byte == '\r') {
        return byte == '\t' ? "\\t" : byte == '\n' ? "\\n" : "\\r";
    }
    std::string escaped;
    for (std::size_t k = 0; k < std::max<std::size_t>(length, 1); ++k) {
        auto b = static_cast<unsigned char>(text[i + k]);
        escaped += {'\\', 'x', k_hex[b >> 4], k_hex[b & 0xF]};
    }
    return escaped;
}

} // namespace

std::string printable(std::string_view text, std::size_t width)
{
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = utf8_length(text, i);
        std::string piece = shown(text, i, length);
        if (out.size() + piece.size() > width) {
            return out + "...";
        }
        out += piece;
        i += std::max<std::size_t>(length, 1);
    }
    return out;
}

std::string how_it_failed(const JobRecord& job)
{
    if (job.timed_out) {
        return "timed out";
    }
    if (job.signal != 0) {
        return "signal " + signal_name(job.signal);
    }
    if (!job.started && job.exit_code == k_exit_skipped) {
        return "skipped";
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
        std::string id = printable(job.id, std::string::npos);
        std::string task = id.empty() ? std::string() : "task \"" + id + "\", ";
        m_lines.push_back(job_line(job.seq, task + how_it_failed(job), job.command));
    }
}

std::string job_line(std::uint64_t seq, const std::string& state, const std::string& command)
{
    return "  job " + std::to_string(seq) + " (" + state + "): " + printable(command, k_command_width);
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
