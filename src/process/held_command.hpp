// The command a semaphore slot is held for: run through a shell with our stdin, stdout
// and stderr, here (--fg) or in a holder process that outlives us (--bg).
#pragma once

#include <string>
#include <vector>

namespace fanout {

// Runs argv (argv[0] a path: a shell, "-c" and a script) in our process group (Ctrl-C
// reaches it as it reaches us) and waits for it. Returns its status as a shell reports
// it: the exit code, or 128 + the signal that killed it; 127 when argv[0] cannot run.
[[nodiscard]] int run_held_command(const std::vector<std::string>& argv);

// Forks the holder that outlives us: the child leaves our session (so a hangup or
// Ctrl-C meant for us does not reach it) and returns true; the parent returns false.
// Whatever the parent holds is the child's too: an flock() stays held until both end.
[[nodiscard]] bool fork_holder();

} // namespace fanout
