#include "frame.hpp"

#include "error.hpp"

namespace fanout {

namespace {

constexpr std::size_t k_head = 4;

void append_length(std::string& out, std::size_t length)
{
    if (length > 0xffffffffU) {
        throw Error("a message for a co-process is larger than 4 GiB");
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += static_cast<char>((length >> shift) & 0xffU);
    }
}

} // namespace

std::size_t frame_length(std::string_view head)
{
    std::size_t length = 0;
    for (std::size_t i = 0; i < k_head; ++i) {
        length = (length << 8) | static_cast<unsigned char>(head[i]);
    }
    return length;
}

std::string encode_frame(const std::vector<std::string>& fields)
{
    std::string payload;
    for (const auto& field : fields) {
        append_length(payload, field.size());
        payload += field;
    }
    std::string frame;
    append_length(frame, payload.size());
    return frame + payload;
}

std::optional<std::vector<std::string>> decode_fields(std::string_view payload)
{
    std::vector<std::string> fields;
    while (!payload.empty()) {
        if (payload.size() < k_head) {
            return std::nullopt;
        }
        std::size_t length = frame_length(payload);
        payload.remove_prefix(k_head);
        if (length > payload.size()) {
            return std::nullopt;
        }
        fields.emplace_back(payload.substr(0, length));
        payload.remove_prefix(length);
    }
    return fields;
}

std::optional<std::vector<std::string>> FrameReader::next()
{
    std::string_view rest = std::string_view(m_buffer).substr(m_start);
    std::size_t tail = m_terminator ? 1 : 0;
    if (rest.size() >= k_head && frame_length(rest) > m_max_length) {
        throw Error("a malformed message (a frame of " + std::to_string(frame_length(rest)) +
                    " bytes, more than " + std::to_string(m_max_length) + ")");
    }
    if (rest.size() < k_head || rest.size() < k_head + frame_length(rest) + tail) {
        if (m_start > 0 && m_start * 2 >= m_buffer.size()) { // keep the buffer from growing
            m_buffer.erase(0, m_start);
            m_start = 0;
        }
        return std::nullopt;
    }
    std::size_t length = frame_length(rest);
    if (m_terminator && rest[k_head + length] != *m_terminator) {
        throw Error("a malformed message (no end mark after a frame)");
    }
    auto fields = decode_fields(rest.substr(k_head, length));
    if (!fields) {
        throw Error("a malformed message (a field longer than its frame)");
    }
    m_start += k_head + length + tail;
    if (m_start == m_buffer.size()) {
        m_buffer.clear();
        m_start = 0;
    }
    return fields;
}

} // namespace fanout
