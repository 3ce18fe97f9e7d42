// JobSpec: one job as the input side defines it, before it has a slot or a process.
#pragma once

#include "task.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fanout {

struct JobSpec {
    std::uint64_t seq = 0;         // 1-based, in input order
    std::vector<std::string> args; // the values its replacement strings stand for
    std::string origin;            // where its (first) record came from
    bool too_long = false;         // one record that no command line can hold
    std::string
        unusable; // not empty: why its record cannot run (a NUL byte, a --colsep split past its limits)
    std::shared_ptr<const std::string> input; // fed to its stdin (--pipe block, task stdin)
    std::size_t header_size = 0;              // --header: input starts with that many header bytes
    std::shared_ptr<const Task> task;         // --tasks: its own command and settings
};

} // namespace fanout
