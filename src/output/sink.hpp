// Sink: one of our own output streams (stdout or stderr), written only as fast as its
// reader takes the bytes, so a slow or stalled reader never blocks the event loop.
#pragma once

#include "fd.hpp"
#include "output_buffer.hpp"

#include <cstdint>
#include <deque>
#include <string_view>

namespace fanout {

class Sink : private Destination {
public:
    // `fd` stays the caller's: it is never made non-blocking (a shell or make shares
    // it). Pipes and terminals are reopened through /proc for a non-blocking
    // descriptor of our own; sockets are sent to with MSG_DONTWAIT; files never block.
    Sink(int fd, const char* name, MemoryBudget& budget);

    // Queues data (or a whole held buffer) after everything queued before, and writes
    // what the reader takes now. Throws BrokenPipe once the reader is gone.
    void write(std::string_view data);
    void write(OutputBuffer buffer);

    // Writes what the reader takes now; true when nothing is left queued.
    bool flush();

    [[nodiscard]] bool idle() const { return m_queue.empty(); }
    // The descriptor to poll: for POLLOUT while something is queued, and for POLLERR
    // (the reader left) always.
    [[nodiscard]] int poll_fd() const { return m_fd; }
    // Bytes queued and bytes written since the start: a job's output is delivered
    // once written() reaches what queued() was after its last byte.
    [[nodiscard]] std::uint64_t queued() const { return m_queued; }
    [[nodiscard]] std::uint64_t written() const { return m_written; }
    [[nodiscard]] bool same_file_as(const Sink& other) const
    {
        return m_dev == other.m_dev && m_ino == other.m_ino;
    }
    [[nodiscard]] bool may_block() const { return m_kind != Kind::file; }

private:
    enum class Kind {
        file,        // a regular file or /dev/null: writes do not wait on a reader
        nonblocking, // our own O_NONBLOCK descriptor for the caller's pipe or terminal
        socket,      // send() with MSG_DONTWAIT
        chunked,     // could not reopen: at most PIPE_BUF per write once poll says so
    };

    std::size_t put(std::string_view data) override;
    std::size_t put_file(int file, off_t offset, std::size_t size) override;
    std::size_t checked(ssize_t n);
    [[nodiscard]] bool writable_now() const;

    int m_fd;
    const char* m_name;
    MemoryBudget* m_budget;
    Kind m_kind = Kind::file;
    Fd m_own; // the reopened descriptor, when there is one
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    std::deque<OutputBuffer> m_queue;
    std::uint64_t m_queued = 0;
    std::uint64_t m_written = 0;
};

} // namespace fanout
