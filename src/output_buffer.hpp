// OutputBuffer: bytes held for later, in memory while small, in an unlinked temp
// file past a threshold so a job printing gigabytes does not grow our memory.
#pragma once

#include "fd.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// The memory all buffers may hold together; a buffer spills when it would pass it.
// It also keeps a few emptied buffers, so that the next jobs reuse their capacity
// instead of allocating (and page-faulting) it anew.
struct MemoryBudget {
    std::size_t limit = 8 * 1024 * 1024;
    std::size_t per_buffer = 1024 * 1024;
    std::size_t used = 0;
    std::vector<std::string> spare;
    static constexpr std::size_t k_max_spare = 2;

    MemoryBudget() { spare.reserve(k_max_spare); } // so a destructor's push_back never allocates
};

class OutputBuffer {
public:
    explicit OutputBuffer(MemoryBudget& budget) : m_budget(&budget) {}
    OutputBuffer(const OutputBuffer&) = delete;
    OutputBuffer& operator=(const OutputBuffer&) = delete;
    OutputBuffer(OutputBuffer&& other) noexcept;
    OutputBuffer& operator=(OutputBuffer&&) = delete;
    ~OutputBuffer();

    // Throws Error when the temp file cannot be created or written (disk full).
    void append(std::string_view data);

    // Writes everything held to fd, in order, and empties the buffer.
    void write_to(int fd, const char* what);

    [[nodiscard]] bool empty() const { return m_memory.empty() && m_file_size == 0; }

private:
    void spill();
    void write_to_file(std::string_view data);
    void release_memory();

    MemoryBudget* m_budget;
    std::string m_memory;
    Fd m_file;
    std::size_t m_file_size = 0;
};

// Opens an unlinked temp file in $TMPDIR (or /tmp). Throws Error naming the directory.
Fd open_temp_file();

} // namespace fanout
