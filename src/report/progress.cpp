#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

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

// The parts of the status line; a narrow terminal drops some (status_texts()): the
// done count and the ETA always show.
struct StatusParts {
    std::string done;    // "3/8 done"
    std::string running; // ", 2 running"
    std::string failed;  // ", 0 failed"
    std::string rate;    // ", 4.2/s"
    std::string eta;     // ", ETA 1m02s" (empty when unknown or not asked for)
};

StatusParts status_parts(const RunProgress& p, std::optional<std::size_t> total, ProgressStyle style,
                         double elapsed)
{
    StatusParts parts;
    double rate = elapsed > 0 ? static_cast<double>(p.done) / elapsed : 0;
    parts.done = std::to_string(p.done) + (total ? "/" + std::to_string(*total) : "") + " done";
    parts.running = ", " + std::to_string(p.running) + " running";
    parts.failed = ", " + std::to_string(p.failed) + " failed";
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, ", %.1f/s", rate);
    parts.rate = rate_text;
    if (style != ProgressStyle::counts && total && rate > 0 && *total >= p.done) {
        parts.eta = ", ETA " + format_seconds(static_cast<double>(*total - p.done) / rate);
    }
    return parts;
}

// The counts, from the fullest to the shortest form.
std::vector<std::string> status_texts(const StatusParts& parts)
{
    std::string counts = parts.done + parts.running + parts.failed;
    return {counts + parts.rate + parts.eta, counts + parts.eta, parts.done + parts.failed + parts.eta,
            parts.done + parts.eta};
}

// "NN% [###   ] " and the text, the bar as wide as fits (10 to 40 columns); empty
// when even the narrowest bar does not fit.
std::string with_bar(const std::string& text, std::size_t done, std::size_t total, std::size_t room)
{
    constexpr std::size_t k_min_bar = 10;
    constexpr std::size_t k_max_bar = 40;
    std::string percent = std::to_string(100 * done / total) + "% [";
    std::size_t fixed = percent.size() + 2 + text.size(); // and "] "
    if (room < fixed + k_min_bar) {
        return {};
    }
    std::size_t bar_width = std::min(room - fixed, k_max_bar);
    std::size_t filled = bar_width * done / total;
    return percent + std::string(filled, '#') + std::string(bar_width - filled, ' ') + "] " + text;
}

} // namespace

std::string progress_line(const RunProgress& p, ProgressStyle style, std::size_t width,
                          std::chrono::steady_clock::time_point now)
{
    double elapsed = std::chrono::duration<double>(now - p.started_at).count();
    std::optional<std::size_t> total = p.input_complete ? std::optional(p.total) : p.expected_total;
    std::vector<std::string> texts = status_texts(status_parts(p, total, style, elapsed));
    std::size_t room = width > 1 ? width - 1 : 0; // the last column would wrap on some terminals
    if (style == ProgressStyle::bar && total && *total > 0) {
        // The bar is worth more than the rate and the running count; not more than
        // the failed count.
        for (std::size_t i = 0; i + 1 < texts.size(); ++i) {
            std::string line = with_bar(texts[i], std::min(p.done, *total), *total, room);
            if (!line.empty()) {
                return line;
            }
        }
    }
    for (const std::string& line :
         {"fanout: " + texts[0], "fanout: " + texts[1], texts[1], texts[2], texts[3]}) {
        if (line.size() <= room) {
            return line;
        }
    }
    return texts[3].substr(0, room);
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
