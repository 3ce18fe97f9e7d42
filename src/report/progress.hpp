// Progress: --progress, --bar and --eta, one status line on stderr redrawn as jobs
// end, at most ~10 times a second, cleared at the end.
#pragma once

#include "output.hpp"
#include "report.hpp"

namespace fanout {

enum class ProgressStyle { counts, bar, eta };

class Progress : public Report {
public:
    Progress(Output& output, ProgressStyle style) : m_output(output), m_style(style) {}
    void job_finished(const JobRecord&) override {}
    [[nodiscard]] bool waits_for_delivery() const override { return false; }
    void tick(const RunProgress& progress) override;
    [[nodiscard]] bool wants_ticks() const override { return true; }
    void run_finished(const RunProgress& progress) override;

private:
    Output& m_output;
    ProgressStyle m_style;
};

// The status line for a terminal `width` columns wide (pure, for tests).
std::string progress_line(const RunProgress& progress, ProgressStyle style, std::size_t width,
                          std::chrono::steady_clock::time_point now);

} // namespace fanout
