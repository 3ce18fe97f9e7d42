#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace fanout {

namespace {

std::size_t terminal_width()
{
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        return size.ws_col;
    }
    return 80;
}

std::string format_seconds(double seconds)
{
    char text[32];
    if (seconds >= 3600) {
        std::snprintf(text, sizeof text, "%dh%02dm", static_cast<int>(seconds / 3600),
                      static_cast<int>(seconds / 60) % 60);
    } else if (seconds >= 60) {
        std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(seconds / 60),
                      static_cast<int>(seconds) % 60);
    } else {
        std::snprintf(text, sizeof text, "%.0fs", seconds);
    }
    return text;
}

} // namespace

std::string progress_line(const RunProgress& p, ProgressStyle style, std::size_t width,
                          std::chrono::steady_clock::time_point now)
{
    double elapsed = std::chrono::duration<double>(now - p.started_at).count();
    double rate = elapsed > 0 ? static_cast<double>(p.done) / elapsed : 0;
    std::optional<std::size_t> total = p.input_complete ? std::optional(p.total) : p.expected_total;
    std::string counts = std::to_string(p.done) + (total ? "/" + std::to_string(*total) : "") + " done, " +
                         std::to_string(p.running) + " running, " + std::to_string(p.failed) + " failed";
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, ", %.1f/s", rate);
    std::string eta;
    if (total && rate > 0 && *total >= p.done) {
        eta = ", ETA " + format_seconds(static_cast<double>(*total - p.done) / rate);
    }
    std::string line = "fanout: " + counts + rate_text + (style == ProgressStyle::counts ? "" : eta);
    if (style == ProgressStyle::bar && total && *total > 0 && width > line.size() + 10) {
        std::size_t bar_width = std::min<std::size_t>(width - line.size() - 9, 40);
        std::size_t done = std::min(p.done, *total);
        std::size_t filled = bar_width * done / *total;
        int percent = static_cast<int>(100 * done / *total);
        line = std::to_string(percent) + "% [" + std::string(filled, '#') +
               std::string(bar_width - filled, ' ') + "] " + line.substr(8);
    }
    if (line.size() >= width) {
        line.resize(width > 1 ? width - 1 : 0);
    }
    return line;
}

void Progress::tick(const RunProgress& progress)
{
    m_output.show_status(
        progress_line(progress, m_style, terminal_width(), std::chrono::steady_clock::now()));
}

void Progress::run_finished(const RunProgress&)
{
    m_output.clear_status();
}

} // namespace fanout
