// PipeBlocks (--pipe): cuts a stream into blocks on record boundaries; each block is
// one job's stdin.
#pragma once

#include "job_source.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

struct BlockRules {
    std::size_t block_size = 1024 * 1024;
    std::string recend = "\n";  // a record ends with this ("": anywhere)
    std::string recstart;       // and the next one starts with this ("": anything)
    std::size_t records = 0;    // -N: exactly this many records per block; 0: by size
    std::size_t header_records = 0; // --header N: the first N records go before every block
};

// Where the first block of `data` ends, or nothing when more data is needed to know.
// At `eof` everything left is a block. A record longer than the block is not cut.
std::optional<std::size_t> find_block_end(std::string_view data, const BlockRules& rules, bool eof);

class PipeBlocks : public JobSource {
public:
    // Reads `fd` (borrowed); `name` is for messages.
    PipeBlocks(int fd, std::string name, BlockRules rules);

    ReadStatus next(JobSpec& job, bool may_block) override;
    [[nodiscard]] int wait_fd() const override { return m_fd; }

private:
    bool fill(bool may_block);
    bool take_header(bool may_block);

    int m_fd;
    std::string m_name;
    BlockRules m_rules;
    std::string m_buffer;
    std::vector<char> m_chunk; // what one read() brings
    std::string m_header;
    bool m_header_taken = false;
    bool m_eof = false;
    std::uint64_t m_seq = 0;
};

} // namespace fanout
