#include "progress.hpp"

#include <doctest/doctest.h>

#include <string>

using fanout::progress_line;
using fanout::ProgressStyle;
using fanout::RunProgress;

namespace {

// 20 of 80 jobs done in 10 s: 2/s, 30 s to go.
RunProgress quarter_done(std::chrono::steady_clock::time_point now)
{
    RunProgress p;
    p.done = 20;
    p.running = 4;
    p.failed = 1;
    p.total = 80;
    p.input_complete = true;
    p.started_at = now - std::chrono::seconds(10);
    return p;
}

} // namespace

TEST_CASE("progress_line: the whole line on a wide terminal")
{
    auto now = std::chrono::steady_clock::now();
    RunProgress p = quarter_done(now);
    CHECK(progress_line(p, ProgressStyle::counts, 120, now) ==
          "fanout: 20/80 done, 4 running, 1 failed, 2.0/s");
    CHECK(progress_line(p, ProgressStyle::eta, 120, now) ==
          "fanout: 20/80 done, 4 running, 1 failed, 2.0/s, ETA 30s");
    CHECK(progress_line(p, ProgressStyle::bar, 120, now) ==
          "25% [##########                              ] 20/80 done, 4 running, 1 failed, 2.0/s, ETA 30s");
}

TEST_CASE("progress_line: the total shows once the input has ended, not before")
{
    auto now = std::chrono::steady_clock::now();
    RunProgress p = quarter_done(now);
    p.input_complete = false;
    std::string line = progress_line(p, ProgressStyle::bar, 120, now);
    CHECK(line == "fanout: 20 done, 4 running, 1 failed, 2.0/s");
    p.expected_total = 80; // known up front (::: values)
    CHECK(progress_line(p, ProgressStyle::eta, 120, now)
              .ends_with("20/80 done, 4 running, 1 failed, 2.0/s, ETA 30s"));
}

TEST_CASE("progress_line: a narrow terminal drops parts, never the ETA, and the line fits")
{
    auto now = std::chrono::steady_clock::now();
    RunProgress p = quarter_done(now);
    for (std::size_t width = 20; width <= 100; ++width) {
        CAPTURE(width);
        for (ProgressStyle style : {ProgressStyle::eta, ProgressStyle::bar}) {
            std::string line = progress_line(p, style, width, now);
            CHECK(line.size() < width);
            CHECK(line.ends_with(", ETA 30s"));
            CHECK(line.find("20/80 done") != std::string::npos);
        }
    }
    CHECK(progress_line(p, ProgressStyle::eta, 50, now) ==
          "fanout: 20/80 done, 4 running, 1 failed, ETA 30s");
    CHECK(progress_line(p, ProgressStyle::eta, 45, now) == "20/80 done, 4 running, 1 failed, ETA 30s");
    CHECK(progress_line(p, ProgressStyle::eta, 30, now) == "20/80 done, 1 failed, ETA 30s");
    SUBCASE("the bar stays, narrower, down to 10 columns of its own")
    {
        CHECK(progress_line(p, ProgressStyle::bar, 50, now) ==
              "25% [###          ] 20/80 done, 1 failed, ETA 30s");
        CHECK(progress_line(p, ProgressStyle::bar, 40, now).find('[') == std::string::npos);
    }
}
