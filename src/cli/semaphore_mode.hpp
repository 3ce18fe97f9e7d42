// --semaphore (GNU sem): the one command of the command line, run under a named
// semaphore instead of the scheduler.
#pragma once

#include "options.hpp"

namespace fanout {

// Takes a slot (or waits for the semaphore to be idle, --wait) and runs the command as
// options.semaphore says. Returns the exit code: --fg the command's, --bg 0 once it
// started, --wait the number of background failures since the last --wait; 1 when
// --semaphoretimeout gave up.
[[nodiscard]] int run_semaphore(const Options& options);

} // namespace fanout
