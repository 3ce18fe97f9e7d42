#include "pipe_blocks.hpp"

#include "error.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace fanout {

namespace {

constexpr std::size_t k_read_size = 256 * 1024;
constexpr std::size_t k_max_reserve = 64 * 1024 * 1024;

// A boundary is where a record ends and the next begins: after `recend` and before
// `recstart`. Searching for both joined finds it; `offset` is where in the match.
struct Boundary {
    std::string pattern;
    std::size_t offset;
};

Boundary boundary_of(const BlockRules& rules)
{
    return Boundary{rules.recend + rules.recstart, rules.recend.size()};
}

// The first boundary after `from`, or npos.
std::size_t next_boundary(std::string_view data, const Boundary& b, std::size_t from)
{
    if (b.pattern.empty()) {
        return from < data.size() ? from + 1 : std::string_view::npos;
    }
    std::size_t search = from + 1 > b.offset ? from + 1 - b.offset : 0;
    std::size_t at = data.find(b.pattern, search);
    return at == std::string_view::npos ? at : at + b.offset;
}

// The last boundary in (0, limit], or npos.
std::size_t last_boundary(std::string_view data, const Boundary& b, std::size_t limit)
{
    if (b.pattern.empty()) {
        return std::min(limit, data.size());
    }
    if (limit < b.offset) {
        return std::string_view::npos;
    }
    std::size_t at = data.rfind(b.pattern, limit - b.offset);
    if (at == std::string_view::npos || at + b.offset == 0) {
        return std::string_view::npos;
    }
    return at + b.offset;
}

// Where a boundary in (after, limit] would be if the data went on: the data ends inside
// a match of the pattern that already covers the whole recend (so part of recstart is
// missing). npos when there is none.
std::size_t unfinished_boundary(std::string_view data, const Boundary& b, std::size_t after, std::size_t limit)
{
    std::size_t first = data.size() >= b.pattern.size() ? data.size() - b.pattern.size() + 1 : 0;
    for (std::size_t at = first; at < data.size(); ++at) {
        std::size_t boundary = at + b.offset;
        bool in_range = boundary > 0 && boundary <= limit && (after == std::string_view::npos || boundary > after);
        if (in_range && data.size() - at > b.offset && std::string_view(b.pattern).starts_with(data.substr(at))) {
            return boundary;
        }
    }
    return std::string_view::npos;
}

} // namespace

std::optional<std::size_t> find_block_end(std::string_view data, const BlockRules& rules, bool eof)
{
    if (data.empty()) {
        return std::nullopt;
    }
    Boundary b = boundary_of(rules);
    if (rules.records > 0) {
        std::size_t end = 0;
        for (std::size_t n = 0; n < rules.records; ++n) {
            end = next_boundary(data, b, end);
            if (end == std::string_view::npos || (end >= data.size() && !rules.recstart.empty())) {
                // With --recstart, the data's end is a boundary only at EOF.
                return eof ? std::optional<std::size_t>(data.size()) : std::nullopt;
            }
        }
        return end;
    }
    if (data.size() <= rules.block_size) {
        return eof ? std::optional<std::size_t>(data.size()) : std::nullopt;
    }
    std::size_t end = last_boundary(data, b, rules.block_size);
    if (!eof && unfinished_boundary(data, b, end, rules.block_size) != std::string_view::npos) {
        return std::nullopt; // a later boundary may be there: only more data can tell
    }
    if (end == std::string_view::npos) {
        end = next_boundary(data, b, rules.block_size); // one record longer than a block: whole
    }
    if (end == std::string_view::npos || (end >= data.size() && !rules.recstart.empty())) {
        return eof ? std::optional<std::size_t>(data.size()) : std::nullopt;
    }
    return end;
}

PipeBlocks::PipeBlocks(int fd, std::string name, BlockRules rules)
    : m_fd(fd), m_name(std::move(name)), m_rules(std::move(rules))
{
}

// Reads what is ready (or, when `may_block`, waits for something); false when nothing
// was ready.
bool PipeBlocks::fill(bool may_block)
{
    if (!may_block) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) { // -1: a signal came first (EINTR); a read could block
            return false;
        }
    }
    m_chunk.resize(k_read_size);
    ssize_t n;
    do {
        n = ::read(m_fd, m_chunk.data(), m_chunk.size());
        if (n < 0 && errno == EAGAIN) { // someone made our stdin non-blocking
            if (!may_block) {
                return false;
            }
            pollfd p{m_fd, POLLIN, 0};
            ::poll(&p, 1, -1);
            errno = EINTR;
        }
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        // A block's worth at once saves copies; past k_max_reserve (--block 1T) the
        // buffer grows only as the data comes.
        std::size_t want = std::min(m_rules.block_size, k_max_reserve) + k_read_size;
        if (m_buffer.capacity() < want) {
            m_buffer.reserve(want);
        }
        m_buffer.append(m_chunk.data(), static_cast<std::size_t>(n));
    }
    if (n < 0) {
        throw Error(os_error("cannot read " + m_name));
    }
    m_eof = n == 0;
    return true;
}

// --header: the first records, kept to go before every block.
bool PipeBlocks::take_header(bool may_block)
{
    BlockRules header_rules = m_rules;
    header_rules.records = m_rules.header_records;
    while (true) {
        if (auto end = find_block_end(m_buffer, header_rules, m_eof)) {
            m_header = m_buffer.substr(0, *end);
            m_buffer.erase(0, *end);
            return m_header_taken = true;
        }
        if (m_eof) {
            return m_header_taken = true; // no input at all
        }
        if (!fill(may_block)) {
            return false;
        }
    }
}

ReadStatus PipeBlocks::next(JobSpec& job, bool may_block)
{
    if (!m_header_taken && m_rules.header_records > 0 && !take_header(may_block)) {
        return ReadStatus::would_block;
    }
    while (true) {
        if (auto end = find_block_end(m_buffer, m_rules, m_eof)) {
            auto block = std::make_shared<std::string>();
            if (m_header.empty()) {
                // Hand the buffer over and keep only what follows the block.
                std::string rest = m_buffer.substr(*end);
                m_buffer.resize(*end);
                *block = std::move(m_buffer);
                m_buffer = std::move(rest);
            } else {
                block->reserve(m_header.size() + *end);
                block->append(m_header).append(m_buffer, 0, *end);
                m_buffer.erase(0, *end);
            }
            job = JobSpec{};
            job.seq = ++m_seq;
            job.origin = m_name + " block " + std::to_string(m_seq);
            job.input = std::move(block);
            job.header_size = m_header.size();
            return ReadStatus::record;
        }
        if (m_eof) {
            return ReadStatus::end;
        }
        if (!fill(may_block)) {
            return ReadStatus::would_block;
        }
    }
}

} // namespace fanout
