// OutputBuffer: bytes held for later, in memory while small, in an unlinked temp
// file past a threshold so a job printing gigabytes does not grow our memory. It is
// a queue: bytes are taken from the front as a destination accepts them.
#pragma once

#include "fd.hpp"

#include <sys/types.h>

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
    // Why the last spill failed (no temp file: disk full, out of descriptors), until
    // one succeeds again. Buffers then hold more than their share in memory.
    std::string spill_problem;

    MemoryBudget() { spare.reserve(k_max_spare); } // so a destructor's push_back never allocates

    // More is held in memory than the limit: spilling failed, so new jobs must wait.
    [[nodiscard]] bool over() const { return used > limit; }
};

// Where a buffer's bytes go: each call takes what it can now, without blocking, and
// says how much (0: nothing now). Throws BrokenPipe when the reader is gone.
class Destination {
public:
    virtual ~Destination() = default;
    virtual std::size_t put(std::string_view data) = 0;
    virtual std::size_t put_file(int file, off_t offset, std::size_t size) = 0;
};

class OutputBuffer {
public:
    explicit OutputBuffer(MemoryBudget& budget) : m_budget(&budget) {}
    OutputBuffer(const OutputBuffer&) = delete;
    OutputBuffer& operator=(const OutputBuffer&) = delete;
    OutputBuffer(OutputBuffer&& other) noexcept;
    OutputBuffer& operator=(OutputBuffer&& other) noexcept;
    ~OutputBuffer();

    // Never fails: when no temp file can take the bytes, they stay in memory and the
    // budget says why (MemoryBudget::spill_problem).
    void append(std::string_view data);

    // Gives `to` what it takes now, from the front; true when nothing is left.
    bool drain(Destination& to);

    // Blocking: every byte to fd, in order; the buffer is empty afterwards.
    void write_to(int fd, const char* what);

    [[nodiscard]] bool empty() const { return memory_left() == 0 && m_file_read == m_file_size; }
    [[nodiscard]] std::size_t size() const
    {
        return memory_left() + static_cast<std::size_t>(m_file_size - m_file_read);
    }

private:
    [[nodiscard]] std::size_t memory_left() const { return m_memory.size() - m_memory_read; }
    [[nodiscard]] bool over_share(std::size_t more) const;
    bool spill(std::string_view data);
    void release_memory();

    MemoryBudget* m_budget;
    // The file's unread bytes come before the memory's: [file][memory].
    Fd m_file;
    off_t m_file_read = 0;
    off_t m_file_size = 0;
    std::string m_memory;
    std::size_t m_memory_read = 0;
};

} // namespace fanout
