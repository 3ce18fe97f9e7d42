#include "pipe_blocks.hpp"

#include "error.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fanout {

namespace {

constexpr std::size_t k_read_size = 256 * 1024;
constexpr std::size_t k_max_reserve = 64 * 1024 * 1024;
constexpr std::size_t k_none = std::string_view::npos;

// The first position where `pattern` does not fit in `data` yet: matches starting there
// or later need more data.
std::size_t first_unfitting(std::string_view data, std::string_view pattern)
{
    return data.size() >= pattern.size() ? data.size() - pattern.size() + 1 : 0;
}

// The last match of `pattern` (not empty) starting in [from, to), or k_none; `pattern`
// fits at every such start. Searched backwards: after the last record end of a block,
// nothing before it is looked at.
std::size_t last_match(std::string_view data, std::string_view pattern, std::size_t from, std::size_t to)
{
    while (to > from) {
        const void* hit = ::memrchr(data.data() + from, pattern.front(), to - from);
        if (hit == nullptr) {
            return k_none;
        }
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - data.data());
        if (data.substr(at, pattern.size()) == pattern) {
            return at;
        }
        to = at;
    }
    return k_none;
}

// --header N: the first N records, found as -N finds a block.
BlockRules header_rules(const BlockRules& rules)
{
    BlockRules header = rules;
    header.records = rules.header_records;
    return header;
}

// --regexp: recend, then recstart as a lookahead, so a match ends at the boundary. As
// GNU parallel: each in its own group, multi-line; with neither, every byte is a record.
std::optional<Regex> boundary_regex(const BlockRules& rules)
{
    if (!rules.regexp) {
        return std::nullopt;
    }
    std::string recend = rules.recend.empty() && rules.recstart.empty() ? "(?s:.)" : rules.recend;
    return Regex("(?:" + recend + ")(?=(?:" + rules.recstart + "))", "--recend/--recstart",
                 RegexFlags{.multiline = true, .partial = true});
}

} // namespace

std::optional<std::size_t> find_block_end(std::string_view data, const BlockRules& rules, bool eof)
{
    return BlockFinder(rules).find(data, eof);
}

BlockFinder::BlockFinder(const BlockRules& rules)
    : m_pattern(rules.recend + rules.recstart), m_offset(rules.recend.size()), m_block_size(rules.block_size),
      m_records(rules.records), m_regex(boundary_regex(rules))
{
    reset();
}

void BlockFinder::reset()
{
    m_checked = m_offset == 0 && !m_regex ? 1 : 0; // a boundary at 0 would make an empty block
    m_found = 0;
    m_last = 0;
    m_next = 0;
}

std::optional<std::size_t> BlockFinder::find(std::string_view data, bool eof)
{
    if (data.empty()) {
        return std::nullopt;
    }
    if (m_regex) {
        return find_by_regex(data, eof);
    }
    if (m_pattern.empty()) {
        return find_anywhere(data, eof);
    }
    return m_records > 0 ? find_by_records(data, eof) : find_by_size(data, eof);
}

// --recend '' without --recstart: every byte ends a record.
std::optional<std::size_t> BlockFinder::find_anywhere(std::string_view data, bool eof) const
{
    if (m_records > 0 && data.size() >= m_records) {
        return m_records;
    }
    if (m_records == 0 && data.size() > m_block_size) {
        return m_block_size;
    }
    return eof ? std::optional<std::size_t>(data.size()) : std::nullopt;
}

// -N: the end of the Nth record; every match counts, overlapping ones too.
std::optional<std::size_t> BlockFinder::find_by_records(std::string_view data, bool eof)
{
    while (m_found < m_records) {
        std::size_t at = data.find(m_pattern, m_checked);
        if (at == k_none) {
            m_checked = std::max(m_checked, first_unfitting(data, m_pattern));
            return eof ? std::optional<std::size_t>(data.size()) : std::nullopt;
        }
        ++m_found;
        m_last = at + m_offset;
        m_checked = at + 1;
    }
    return m_last;
}

// By size: the last boundary at or before the block size, else (one record longer than
// a block) the first one after it.
std::optional<std::size_t> BlockFinder::find_by_size(std::string_view data, bool eof)
{
    scan_within_block(data);
    if (data.size() <= m_block_size) {
        return eof ? std::optional<std::size_t>(data.size()) : std::nullopt;
    }
    if (!eof && unfinished_boundary(data) != k_none) {
        return std::nullopt; // a later boundary may be there: only more data can tell
    }
    if (m_last > 0) {
        return m_last;
    }
    // Matches that end past the data and would give a boundary within the block are
    // ruled out by now (none is unfinished), so the search may skip them.
    std::size_t from = std::max(m_checked, m_block_size + 1 > m_offset ? m_block_size + 1 - m_offset : 0);
    std::size_t at = data.find(m_pattern, from);
    if (at == k_none) {
        m_checked = std::max(from, first_unfitting(data, m_pattern));
        return eof ? std::optional<std::size_t>(data.size()) : std::nullopt;
    }
    m_checked = at;
    return at + m_offset;
}

// Looks for the last boundary at or before the block size in what arrived since the
// last call: the last match whose boundary is within the block.
void BlockFinder::scan_within_block(std::string_view data)
{
    if (m_block_size < m_offset) {
        return; // no boundary can be within the block
    }
    std::size_t to = std::min(m_block_size - m_offset + 1, first_unfitting(data, m_pattern));
    if (to <= m_checked) {
        return;
    }
    std::size_t at = last_match(data, m_pattern, m_checked, to);
    if (at != k_none) {
        m_last = at + m_offset;
    }
    m_checked = to;
}

// Where a boundary after m_last and at or before the block size would be if the data
// went on: the data ends inside a match that already holds the whole recend (so part
// of recstart is missing). k_none when there is none.
std::size_t BlockFinder::unfinished_boundary(std::string_view data) const
{
    for (std::size_t at = first_unfitting(data, m_pattern); at < data.size(); ++at) {
        std::size_t boundary = at + m_offset;
        bool in_range = boundary > m_last && boundary <= m_block_size;
        if (in_range && data.size() - at > m_offset &&
            std::string_view(m_pattern).starts_with(data.substr(at))) {
            return boundary;
        }
    }
    return k_none;
}

// --regexp, -N or by size. Matches are taken in order, each search going on from where
// the last one stopped; a match cut short by the end of the data is looked at again
// from its start when more data comes (so a pattern whose matches can be long, such as
// one with .*, may read the same bytes more than once).
std::optional<std::size_t> BlockFinder::find_by_regex(std::string_view data, bool eof)
{
    auto full = [&] {
        return m_records > 0 ? m_found >= m_records : m_next > 0 || (m_last > 0 && m_checked > m_block_size);
    };
    while (!full() && next_regex_boundary(data, eof)) {
    }
    if (full()) {
        return m_records > 0 || m_last > 0 ? m_last : m_next;
    }
    if (!eof) {
        return std::nullopt;
    }
    return m_records == 0 && m_last > 0 && data.size() > m_block_size ? m_last : data.size();
}

// Finds the next boundary at or after m_checked: counts it (-N) or keeps it as the last
// one within the block or the first one past it. False when more data is needed (or,
// at eof, there is none).
bool BlockFinder::next_regex_boundary(std::string_view data, bool eof)
{
    Regex::Found found = m_regex->find(data, m_checked, {.partial = !eof});
    if (found == Regex::Found::limit) {
        throw Error("--recend/--recstart '" + m_regex->pattern() + "': " + m_regex->limit_reached() +
                    " at byte " + std::to_string(m_checked) + " of a block");
    }
    if (found == Regex::Found::partial) {
        m_checked = m_regex->group(0).begin;
    }
    if (found != Regex::Found::match) {
        m_checked = found == Regex::Found::none ? data.size() : m_checked;
        return false;
    }
    Regex::Span match = m_regex->group(0);
    m_checked = match.end > match.begin ? match.end : match.end + 1;
    if (match.end == 0 || match.end <= m_last) {
        return true; // a block is never empty
    }
    if (m_records > 0) {
        ++m_found;
        m_last = match.end;
    } else if (match.end <= m_block_size) {
        m_last = match.end;
    } else {
        m_next = match.end;
    }
    return true;
}

PipeBlocks::PipeBlocks(int fd, std::string name, BlockRules rules)
    : m_fd(fd), m_name(std::move(name)), m_rules(std::move(rules)), m_finder(m_rules),
      m_header_finder(header_rules(m_rules))
{
    m_header_taken = m_rules.header_records == 0;
}

ReadStatus PipeBlocks::next(JobSpec& job, bool may_block)
{
    bool have_read = false;
    while (true) {
        if (std::optional<ReadStatus> status = cut(job)) {
            return *status;
        }
        if (have_read && !may_block) {
            return ReadStatus::would_block; // the caller polls wait_fd(): it is ready
        }
        if (!fill(may_block)) {
            return ReadStatus::would_block;
        }
        have_read = true;
    }
}

// The next block from what has been read, the end of the input, or nothing when more
// must be read to know.
std::optional<ReadStatus> PipeBlocks::cut(JobSpec& job)
{
    if (!m_header_taken && !take_header()) {
        return std::nullopt;
    }
    std::optional<std::size_t> end = m_finder.find(unread(), m_eof);
    if (!end) {
        return m_eof ? std::optional<ReadStatus>(ReadStatus::end) : std::nullopt;
    }
    job = JobSpec{};
    job.seq = ++m_seq;
    job.origin = m_name + " block " + std::to_string(m_seq);
    job.input = take(*end);
    job.header_size = m_header.size();
    return ReadStatus::record;
}

// --header: the first records, kept to go before every block.
bool PipeBlocks::take_header()
{
    std::optional<std::size_t> end = m_header_finder.find(unread(), m_eof);
    if (end) {
        m_header = unread().substr(0, *end);
        m_start += *end;
    }
    m_header_taken = end || m_eof; // at the end with nothing read: no header, no input
    return m_header_taken;
}

// The first `size` unread bytes, after the header, as a block.
std::shared_ptr<std::string> PipeBlocks::take(std::size_t size)
{
    auto block = std::make_shared<std::string>();
    std::size_t rest = m_buffer.size() - m_start - size;
    if (m_header.empty() && rest <= size) {
        // Hand the buffer over and keep only what follows the block: the cheaper copy.
        std::string next = m_buffer.substr(m_start + size);
        m_buffer.resize(m_start + size);
        m_buffer.erase(0, m_start);
        *block = std::move(m_buffer);
        m_buffer = std::move(next);
        m_start = 0;
    } else {
        block->reserve(m_header.size() + size);
        block->append(m_header).append(m_buffer, m_start, size);
        m_start += size;
    }
    m_finder.reset();
    return block;
}

std::string_view PipeBlocks::unread() const
{
    return std::string_view(m_buffer).substr(m_start);
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
    if (n < 0) {
        throw Error(os_error("cannot read " + m_name));
    }
    append(static_cast<std::size_t>(n));
    m_eof = n == 0;
    return true;
}

// Adds what a read brought to the buffer, first dropping the bytes taken when they are
// at least half of it: each byte is moved once more at most, on average.
void PipeBlocks::append(std::size_t size)
{
    if (m_start > 0 && m_start >= m_buffer.size() - m_start) {
        m_buffer.erase(0, m_start);
        m_start = 0;
    }
    // A block's worth at once saves copies; past k_max_reserve (--block 1T) the
    // buffer grows only as the data comes.
    std::size_t want = std::min(m_rules.block_size, k_max_reserve) + k_read_size;
    if (size > 0 && m_buffer.capacity() < want) {
        m_buffer.reserve(want);
    }
    m_buffer.append(m_chunk.data(), size);
}

} // namespace fanout
