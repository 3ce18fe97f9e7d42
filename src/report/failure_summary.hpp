// FailureSummary: at the end of a run with failed jobs, a short list on stderr.
#pragma once

#include "output.hpp"
#include "report.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fanout {

class FailureSummary : public Report {
public:
    explicit FailureSummary(Output& output) : m_output(output) {}
    void job_finished(const JobRecord& job) override;
    // It describes the run in flight, not what was delivered.
    [[nodiscard]] bool waits_for_delivery() const override { return false; }
    void run_finished(const RunProgress& progress) override;

    static constexpr std::size_t k_listed = 10;

private:
    Output& m_output;
    std::vector<std::string> m_lines;
    std::size_t m_failed = 0;
};

// `text` made safe to show on a terminal: tab, newline and carriage return as \t, \n and
// \r, other control characters (C0, DEL, C1) and bytes that are not UTF-8 as \xHH. Cut
// after at most `width` bytes, never inside an escape or a character, then "...".
std::string printable(std::string_view text, std::size_t width);

// "exit 3", "signal KILL", "timed out", "command not found": how a job failed.
std::string how_it_failed(const JobRecord& job);

// "  job 3 (exit 1): make -C lib": a job on one line, its command printable() and cut
// after 120 bytes.
std::string job_line(std::uint64_t seq, const std::string& state, const std::string& command);

} // namespace fanout
