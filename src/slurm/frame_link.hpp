// FrameLink: one end of a conversation in frames over descriptors the event loop polls:
// what arrives is collected into frames, what is sent waits in a queue until the other
// end takes it, so neither side ever blocks on the other.
#pragma once

#include "fd.hpp"
#include "frame.hpp"
#include "waitable.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace fanout {

class FrameLink : public Waitable {
public:
    // Reads `in` and writes `out` (the same descriptor for a socket); made non-blocking.
    // `owned` is closed with the link (the descriptors may be ours, or 0 and 1). A frame
    // that says it is longer than `max_frame` is malformed.
    FrameLink(int in, int out, Fd owned = {},
              std::size_t max_frame = std::numeric_limits<std::size_t>::max());

    // Queues `bytes`: they are written when poll() says the other end can take them.
    void send(const std::string& bytes);
    // The next whole frame that arrived; nothing until one has. Throws Error for a
    // malformed one.
    std::optional<std::vector<std::string>> next() { return m_reader.next(); }

    // The other end closed (or the link broke): nothing more comes in.
    [[nodiscard]] bool ended() const { return m_ended; }
    // Everything sent has been written, or can no longer be.
    [[nodiscard]] bool flushed() const { return m_outbox.empty() || m_broken; }
    // The bytes sent that the other end has not taken yet.
    [[nodiscard]] std::size_t queued() const { return m_outbox.size() - m_sent; }

    void add_watches(std::vector<pollfd>& fds) const override;
    void on_polled(std::span<const pollfd> polled) override;

    // Writes what it can of the queue now, without waiting.
    void flush();
    // Writes the whole queue, waiting for the other end to take it (or go).
    void flush_all();

private:
    void receive();

    int m_in;
    int m_out;
    Fd m_owned;
    FrameReader m_reader;
    std::string m_outbox;
    std::size_t m_sent = 0; // of m_outbox
    bool m_ended = false;
    bool m_broken = false; // writing failed: the other end is gone
};

} // namespace fanout
