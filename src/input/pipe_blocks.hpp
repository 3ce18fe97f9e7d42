// PipeBlocks (--pipe): cuts a stream into blocks on record boundaries; each block is
// one job's stdin.
#pragma once

#include "job_source.hpp"
#include "regex.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

struct BlockRules {
    std::size_t block_size = 1024 * 1024;
    std::string recend = "\n";      // a record ends with this ("": anywhere)
    std::string recstart;           // and the next one starts with this ("": anything)
    std::size_t records = 0;        // -N: exactly this many records per block; 0: by size
    std::size_t header_records = 0; // --header N: the first N records go before every block
    bool regexp = false;            // --regexp: recend and recstart are Perl regexes (multi-line)
};

// Where the first block of `data` ends, or nothing when more data is needed to know.
// At `eof` everything left is a block. A record longer than the block is not cut.
std::optional<std::size_t> find_block_end(std::string_view data, const BlockRules& rules, bool eof);

// find_block_end for data that grows: each search resumes where the last one stopped,
// so every byte is examined a bounded number of times however the data arrives.
class BlockFinder {
public:
    explicit BlockFinder(const BlockRules& rules);

    // As find_block_end. Until reset(), `data` must be what the last call saw with
    // bytes appended.
    std::optional<std::size_t> find(std::string_view data, bool eof);

    // The block was taken: the next data starts where it ended.
    void reset();

private:
    std::optional<std::size_t> find_by_records(std::string_view data, bool eof);
    std::optional<std::size_t> find_by_size(std::string_view data, bool eof);
    std::optional<std::size_t> find_anywhere(std::string_view data, bool eof) const;
    void scan_within_block(std::string_view data);
    [[nodiscard]] std::size_t unfinished_boundary(std::string_view data) const;
    std::optional<std::size_t> find_by_regex(std::string_view data, bool eof);
    bool next_regex_boundary(std::string_view data, bool eof);

    // A boundary is where a record ends and the next begins: after recend, before
    // recstart. The pattern is both joined; the boundary is `m_offset` into a match.
    std::string m_pattern;
    std::size_t m_offset;
    std::size_t m_block_size;
    std::size_t m_records;
    std::size_t m_checked = 0; // matches starting before this were looked for
    std::size_t m_found = 0;   // -N: boundaries found
    std::size_t m_last = 0;    // the last boundary found (0: none)
    // --regexp: recend followed by recstart; a boundary is where a match ends.
    std::optional<Regex> m_regex;
    std::size_t m_next = 0; // a boundary found past the block (0: none)
};

class PipeBlocks : public JobSource {
public:
    // Reads `fd` (borrowed); `name` is for messages.
    PipeBlocks(int fd, std::string name, BlockRules rules);

    // Reads at most once per call when `may_block` is false, so that the caller's
    // event loop runs between reads however long a record is.
    ReadStatus next(JobSpec& job, bool may_block) override;
    [[nodiscard]] int wait_fd() const override { return m_fd; }

private:
    std::optional<ReadStatus> cut(JobSpec& job);
    bool take_header();
    std::shared_ptr<std::string> take(std::size_t size);
    [[nodiscard]] std::string_view unread() const;
    bool fill(bool may_block);
    void append(std::size_t size);

    int m_fd;
    std::string m_name;
    BlockRules m_rules;
    BlockFinder m_finder;
    BlockFinder m_header_finder;
    std::string m_buffer;
    std::size_t m_start = 0;   // m_buffer's bytes before this are taken
    std::vector<char> m_chunk; // what one read() brings
    std::string m_header;
    bool m_header_taken = false;
    bool m_eof = false;
    std::uint64_t m_seq = 0;
};

} // namespace fanout
