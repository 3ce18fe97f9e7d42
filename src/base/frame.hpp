// Frames: the length-prefixed messages fanout speaks with its co-processes (the perl
// that evaluates {= =}, a Slurm node's worker), and a reader that takes them out of a
// byte stream however the stream cuts them.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// A frame: its payload's length (32 bits, big-endian), then the payload: each field's
// length (32 bits, big-endian) and its bytes. Throws Error for a field or payload of
// 4 GiB or more.
std::string encode_frame(const std::vector<std::string>& fields);
// The fields of a payload, or nothing when it is cut short.
std::optional<std::vector<std::string>> decode_fields(std::string_view payload);
// The length a frame's first 4 bytes give (`head` holds at least 4).
std::size_t frame_length(std::string_view head);

// Collects bytes as they arrive and gives back the whole frames among them. With a
// `terminator`, every frame is followed by that byte (a transport that forwards output
// line by line then passes each frame on at once); a frame without it is malformed. So is
// one whose length is over `max_length`: bytes that are no frame would otherwise be
// waited for as the rest of one, up to 4 GiB.
class FrameReader {
public:
    explicit FrameReader(std::optional<char> terminator = std::nullopt,
                         std::size_t max_length = std::numeric_limits<std::size_t>::max())
        : m_terminator(terminator), m_max_length(max_length)
    {
    }

    void append(std::string_view bytes) { m_buffer.append(bytes); }
    // The next whole frame's fields; nothing until one has arrived. Throws Error for a
    // malformed one.
    std::optional<std::vector<std::string>> next();

private:
    std::optional<char> m_terminator;
    std::size_t m_max_length;
    std::string m_buffer;
    std::size_t m_start = 0; // where the next frame begins in m_buffer
};

} // namespace fanout
