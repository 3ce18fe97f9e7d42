#include "input.hpp"

#include <algorithm>

namespace fanout {

namespace {

std::vector<std::string> read_all(RecordReader& reader)
{
    std::vector<std::string> values;
    std::string value;
    while (reader.next(value, true) == ReadStatus::record) {
        values.push_back(value);
    }
    return values;
}

} // namespace

std::string nul_byte_message(const std::string& source, std::size_t number, std::size_t offset)
{
    return "fanout: " + source + " record " + std::to_string(number) + ": NUL byte at offset " +
           std::to_string(offset) +
           " (a command argument cannot contain NUL; use -0 for NUL-separated input)";
}

Input::Input(const Options& options) : m_link(options.link)
{
    std::vector<SourceSpec> specs = options.sources;
    if (specs.empty()) {
        specs.push_back({SourceSpec::Kind::file, {}, "-"});
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        Source source;
        if (specs[i].kind == SourceSpec::Kind::args) {
            source.values = specs[i].args;
            source.name = "::: arguments";
        } else {
            source.reader.emplace(RecordReader::open(specs[i].path, options.delimiter));
            source.name = source.reader->name();
            if (i > 0) {
                source.values = read_all(*source.reader);
                source.reader.reset();
            }
        }
        m_sources.push_back(std::move(source));
    }
    if (options.colsep) {
        m_colsep.emplace(*options.colsep, std::regex::ECMAScript | std::regex::optimize);
    }
    m_odometer.assign(m_sources.size(), 0);
    for (std::size_t i = 1; i < m_sources.size(); ++i) {
        m_link_length = std::max(m_link_length, m_sources[i].values.size());
    }
}

std::optional<std::size_t> Input::count_records() const
{
    const Source& first = m_sources.front();
    std::optional<std::size_t> count = first.reader ? first.reader->count_remaining() : first.values.size();
    if (!count) {
        return std::nullopt;
    }
    std::size_t total = *count; // an empty first source means no records, linked or not
    for (std::size_t i = 1; i < m_sources.size() && total > 0; ++i) {
        std::size_t size = m_sources[i].values.size();
        if (size == 0) {
            return 0; // next() gives nothing when any later source is empty, linked or not
        }
        total = m_link ? std::max(total, size) : total * size;
    }
    return total;
}

int Input::wait_fd() const
{
    const auto& first = m_sources.front();
    return first.reader ? first.reader->fd() : -1;
}

// The next value of the first source; with --link, wraps around once it has ended.
ReadStatus Input::next_first(std::string& value, bool may_block)
{
    Source& first = m_sources.front();
    if (!m_first_ended) {
        ReadStatus status = ReadStatus::end;
        if (first.reader) {
            status = first.reader->next(value, may_block);
        } else if (m_first_index < first.values.size()) {
            value = first.values[m_first_index];
            status = ReadStatus::record;
        }
        if (status == ReadStatus::would_block) {
            return status;
        }
        if (status == ReadStatus::record) {
            if (m_link && m_first_index < m_link_length) {
                m_first_kept.push_back(value);
            }
            ++m_first_index;
            return status;
        }
        m_first_ended = true;
    }
    if (!m_link || m_first_kept.empty() || m_first_index >= m_link_length) {
        return ReadStatus::end;
    }
    value = m_first_kept[m_first_index % m_first_kept.size()];
    ++m_first_index;
    return ReadStatus::record;
}

// Adds the columns of `value`; gives the offset of a NUL byte left in one of them.
std::optional<std::size_t> Input::append_columns(Record& record, const std::string& value) const
{
    if (!m_colsep) {
        record.columns.push_back(value);
        std::size_t nul = value.find('\0');
        return nul == std::string::npos ? std::nullopt : std::optional<std::size_t>(nul);
    }
    std::optional<std::size_t> nul;
    auto add = [&](std::string::const_iterator begin, std::string::const_iterator end) {
        const std::string& column = record.columns.emplace_back(begin, end);
        if (std::size_t at = column.find('\0'); at != std::string::npos && !nul) {
            nul = static_cast<std::size_t>(begin - value.cbegin()) + at;
        }
    };
    // Every separator splits, so "a," is two columns, the second empty.
    auto begin = value.cbegin();
    std::smatch match;
    // After the first separator, ^ and \b must see the text before `begin`.
    auto flags = [&] { return begin == value.cbegin() ? std::regex_constants::match_default
                                                      : std::regex_constants::match_prev_avail; };
    while (begin != value.cend() && std::regex_search(begin, value.cend(), match, *m_colsep, flags()) &&
           match.length(0) > 0) {
        add(begin, match[0].first);
        begin = match[0].second;
    }
    add(begin, value.cend());
    return nul;
}

// Adds a value of source `source` (its record `number`), noting the first NUL byte.
void Input::append_value(Record& record, std::size_t source, std::size_t number,
                         const std::string& value) const
{
    std::optional<std::size_t> nul = append_columns(record, value);
    if (nul && record.unusable.empty()) {
        record.unusable = nul_byte_message(m_sources[source].name, number, *nul);
    }
}

// Steps the later sources' positions, last fastest; false when all combinations are done.
bool Input::advance_odometer()
{
    for (std::size_t i = m_sources.size() - 1; i >= 1; --i) {
        if (++m_odometer[i] < m_sources[i].values.size()) {
            return true;
        }
        m_odometer[i] = 0;
    }
    return false;
}

ReadStatus Input::next(Record& record, bool may_block)
{
    if (m_ended) {
        return ReadStatus::end;
    }
    bool any_empty = std::any_of(m_sources.begin() + 1, m_sources.end(),
                                 [](const Source& s) { return s.values.empty(); });
    if (m_need_first || any_empty) {
        ReadStatus status = any_empty ? ReadStatus::end : next_first(m_first_value, may_block);
        if (status != ReadStatus::record) {
            m_ended = status == ReadStatus::end;
            return status;
        }
        m_need_first = false;
        std::fill(m_odometer.begin(), m_odometer.end(), 0);
    }
    const Source& first = m_sources.front();
    record.source = &first.name;
    // Past the end of the first source, --link wraps around to its first values.
    record.number = m_first_ended && !m_first_kept.empty() ? (m_first_index - 1) % m_first_kept.size() + 1
                                                           : m_first_index;
    record.columns.clear();
    record.unusable.clear();
    append_value(record, 0, record.number, m_first_value);
    std::size_t index = m_first_index - 1;
    for (std::size_t i = 1; i < m_sources.size(); ++i) {
        const auto& values = m_sources[i].values;
        std::size_t position = m_link ? index % values.size() : m_odometer[i];
        append_value(record, i, position + 1, values[position]);
    }
    m_need_first = m_link || !advance_odometer();
    return ReadStatus::record;
}

} // namespace fanout
