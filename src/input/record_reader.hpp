// RecordReader: reads delimiter-terminated records from one descriptor, lazily.
#pragma once

#include "fd.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace fanout {

enum class ReadStatus { record, would_block, end };

class RecordReader {
public:
    // Reads `fd` (owned when `owned`, else borrowed, as for stdin); `name` is for messages.
    RecordReader(int fd, bool owned, std::string name, char delimiter);

    // Opens `path` ("-" is stdin). Throws Error naming the file when it cannot be read.
    static RecordReader open(const std::string& path, char delimiter);

    // Stores the next record (without its delimiter) in `record`. When `may_block` is
    // false and no whole record is buffered, reads only what is ready now.
    ReadStatus next(std::string& record, bool may_block);

    [[nodiscard]] int fd() const { return m_fd; }
    [[nodiscard]] const std::string& name() const { return m_name; }
    // 1-based number of the record next() returned last.
    [[nodiscard]] std::size_t record_number() const { return m_count; }

    // How many records are still to come, when that can be known without consuming
    // them (a regular file: counted with pread); nothing for pipes and terminals.
    [[nodiscard]] std::optional<std::size_t> count_remaining() const;

private:
    bool fill(bool may_block);

    Fd m_owned;
    int m_fd;
    std::string m_name;
    char m_delimiter;
    std::string m_buffer;
    // What read() fills, then appended to m_buffer: a string cannot grow without
    // zeroing, and zeroing 64 KiB per read costs 16 page faults at start-up.
    std::unique_ptr<char[]> m_chunk;
    std::size_t m_start = 0;   // first unconsumed byte
    std::size_t m_scanned = 0; // bytes after m_start known to hold no delimiter
    std::size_t m_count = 0;
    bool m_eof = false;
};

} // namespace fanout
