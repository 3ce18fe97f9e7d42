// Task: one entry of a JSON task list (--tasks): its command and its own settings,
// which override the command line's.
#pragma once

#include "duration.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

struct Task {
    std::string id;                // for reports; the entry's position when not given
    std::string line;              // "cmd" as a string: a command line
    std::vector<std::string> argv; // "cmd" as an array: run without a shell
    std::vector<std::string> env;  // NAME=value
    std::string cwd;
    std::optional<Millis> timeout;
    std::optional<std::size_t> retries; // replaces --retries: attempts in all
    std::optional<std::string> tag;
    std::string error; // not empty: the entry is malformed, and why
};

// Where an entry of a task list starts in its file (1-based).
struct TaskPosition {
    std::string file;
    std::size_t line = 1;
    std::size_t column = 1;
};

// Parses one entry's JSON text, checking every field. A malformed entry comes back
// with `error` set to one line naming file:line:column, the problem and the task's id;
// `default_id` is its id when it gives none.
Task parse_task(std::string_view text, const TaskPosition& where, const std::string& default_id,
                std::string* stdin_data);

} // namespace fanout
