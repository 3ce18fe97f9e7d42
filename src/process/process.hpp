// Process: one child started (vfork + exec) in its own process group, with its
// stdout and stderr on pipes we read (or passed through).
#pragma once

#include "fd.hpp"
#include "runner.hpp"
#include "stream.hpp"

#include <sys/resource.h>
#include <sys/types.h>

#include <array>
#include <string>
#include <vector>

namespace fanout {

struct SpawnRequest {
    const std::string* path = nullptr; // resolved executable
    const std::vector<std::string>* argv = nullptr;
    const std::vector<const char*>* envp = nullptr; // NULL-terminated
    int stdin_fd = -1;                              // dup'ed onto the child's stdin
    bool feed_stdin = false;                        // stdin is a pipe we write (stdin_fd unused)
    bool capture = true;                            // false: inherit our stdout/stderr
    const std::string* cwd = nullptr;               // where it starts (null: our directory)
    const std::vector<int>* inherit = nullptr;      // close-on-exec here, open in the child
    bool die_with_us = false;                       // SIGKILL when we die (prctl PDEATHSIG)
};

class Process {
public:
    // Starts the child. Returns 0, or the errno that stopped it (ENOENT, EACCES, E2BIG
    // from exec or chdir; EAGAIN, EMFILE, ENFILE when out of processes or descriptors),
    // in which case nothing is left behind.
    int spawn(const SpawnRequest& request);

    [[nodiscard]] pid_t pid() const { return m_pid; }
    [[nodiscard]] Fd& pipe(Stream s) { return m_pipes[static_cast<int>(s)]; }
    // The write end of its stdin when fed (non-blocking), else invalid.
    [[nodiscard]] Fd& input() { return m_input; }

private:
    pid_t m_pid = -1;
    std::array<Fd, 2> m_pipes;
    Fd m_input;
};

// Finds `name` on PATH as execvp would (names with a slash are taken as they are);
// returns the empty string when there is no such executable.
std::string find_executable(const std::string& name);

// How a reaped child ended, from what wait4() said.
[[nodiscard]] JobExit job_exit_of(int wait_status, const struct rusage& usage);

// What a spawn that failed with `error` tells the scheduler. Unless it ran out of
// processes or descriptors, `cwd` (empty: ours) is looked at first: a directory that
// is missing or closed to us fails the spawn with a misleading errno.
[[nodiscard]] StartResult start_result_of(int error, const std::string& cwd);

// mkdir -p: makes `dir` and its missing parents (0777 less the umask). Returns 0, or the
// errno of the first one that could not be made.
[[nodiscard]] int make_directories(const std::string& dir);

} // namespace fanout
