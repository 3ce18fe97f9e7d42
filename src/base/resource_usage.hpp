// ResourceUsage: what a job used of the machine, as the reports tell it.
#pragma once

#include <chrono>

namespace fanout {

struct ResourceUsage {
    std::chrono::microseconds user_cpu{0};
    std::chrono::microseconds system_cpu{0};
    long max_rss_kib = 0; // its largest resident set
};

} // namespace fanout
