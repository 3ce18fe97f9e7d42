#include "input.hpp"

#include "csv.hpp"
#include "error.hpp"

#include <algorithm>
#include <cstdint>

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

// -E, as GNU parallel: the values before the first one equal to `eof`.
void cut_at_eof(std::vector<std::string>& values, const std::string& eof)
{
    if (!eof.empty()) {
        values.erase(std::find(values.begin(), values.end(), eof), values.end());
    }
}

// Perl's \s without Unicode: what GNU parallel's --trim removes.
bool is_perl_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void trim_white_space(std::string& column, Trim trim)
{
    std::size_t end = column.size();
    while (trim != Trim::left && trim != Trim::none && end > 0 && is_perl_space(column[end - 1])) {
        --end;
    }
    std::size_t begin = 0;
    while ((trim == Trim::left || trim == Trim::both) && begin < end && is_perl_space(column[begin])) {
        ++begin;
    }
    column.erase(end);
    column.erase(0, begin);
}

// -r, as GNU parallel: a record of Perl's white space only (or empty) is skipped.
bool is_blank(const std::string& value)
{
    return std::all_of(value.begin(), value.end(), is_perl_space);
}

} // namespace

void split_at_delimiter(const std::string& value, char delimiter, std::vector<std::string>& pieces)
{
    std::size_t start = 0;
    for (std::size_t at = value.find(delimiter); at != std::string::npos; at = value.find(delimiter, start)) {
        pieces.push_back(value.substr(start, at - start));
        start = at + 1;
    }
    pieces.push_back(value.substr(start));
}

std::string nul_byte_message(const std::string& source, std::size_t number, std::size_t offset)
{
    return "fanout: " + source + " record " + std::to_string(number) + ": NUL byte at offset " +
           std::to_string(offset) +
           " (a command argument cannot contain NUL; use -0 for NUL-separated input)";
}

Input::Input(const InputSettings& options)
    : m_colsep(options.colsep), m_trim(options.trim), m_delimiter(options.delimiter), m_link(options.link),
      m_skip_blank(options.skip_blank), m_eof(options.eof), m_join(options.join_continued)
{
    if (options.csv) {
        m_csv = options.csv_separator;
    }
    std::vector<SourceSpec> specs = options.sources;
    if (specs.empty()) {
        specs.push_back({SourceSpec::Kind::file, {}, "-"});
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        Source source;
        if (specs[i].kind == SourceSpec::Kind::args) {
            // As GNU parallel, which writes them to a file one per record: a value holding the
            // delimiter is several records.
            for (const auto& arg : specs[i].args) {
                split_at_delimiter(arg, options.delimiter, source.values);
            }
            source.name = "::: arguments";
        } else {
            source.reader.emplace(RecordReader::open(specs[i].path, options.delimiter));
            source.name = source.reader->name();
            if (i > 0) {
                source.values = read_all(*source.reader);
                source.reader.reset();
            }
        }
        if (m_csv) {
            source.values = join_csv_records(source.values);
        }
        if (options.header) {
            take_header(source);
        }
        cut_at_eof(source.values, m_eof);
        if (m_join) {
            source.values = join_values(source.values);
        }
        if (m_skip_blank) {
            std::erase_if(source.values, is_blank);
        }
        m_sources.push_back(std::move(source));
    }
    m_odometer.assign(m_sources.size(), 0);
    for (std::size_t i = 1; i < m_sources.size(); ++i) {
        m_link_length = std::max(m_link_length, m_sources[i].values.size());
    }
    group_linked_sources(specs);
}

// ':::+' and '::::+' (ignored with --link, as in GNU parallel): a source paired with the
// one before it follows its group's first source; a group is as long as its shortest source.
void Input::group_linked_sources(const std::vector<SourceSpec>& specs)
{
    m_leader.resize(m_sources.size());
    m_group_size.assign(m_sources.size(), 0);
    for (std::size_t i = 0; i < m_sources.size(); ++i) {
        bool linked = !m_link && i > 0 && specs[i].linked;
        m_leader[i] = linked ? m_leader[i - 1] : i;
        std::size_t size = m_sources[i].values.size();
        if (m_leader[i] == 0) {
            m_first_limit = i == 0 ? m_first_limit : std::min(m_first_limit, size);
        } else {
            std::size_t& group = m_group_size[m_leader[i]];
            group = linked ? std::min(group, size) : size;
        }
    }
}

std::optional<std::size_t> Input::count_records() const
{
    const Source& first = m_sources.front();
    std::optional<std::size_t> count = first.reader ? first.reader->count_remaining() : first.values.size();
    if (!count || (first.reader && (m_skip_blank || m_join || !m_eof.empty() || m_csv))) {
        return std::nullopt; // -r, -E, --csv: which records count is not known until they are read
    }
    if (!m_link) {
        std::size_t total = std::min(*count, m_first_limit);
        for (std::size_t i = 1; i < m_sources.size(); ++i) {
            total *= m_leader[i] == i ? m_group_size[i] : 1;
        }
        return total;
    }
    std::size_t total = *count; // an empty first source means no records
    for (std::size_t i = 1; i < m_sources.size() && total > 0; ++i) {
        std::size_t size = m_sources[i].values.size();
        if (size == 0) {
            return 0; // next() gives nothing when any later source is empty
        }
        total = std::max(total, size);
    }
    return total;
}

int Input::wait_fd() const
{
    const auto& first = m_sources.front();
    return first.reader ? first.reader->fd() : -1;
}

// -L, as GNU parallel: a record that ends in white space goes on in the next one
// (joined as they are); -r drops a blank one before that.
std::vector<std::string> Input::join_values(const std::vector<std::string>& values) const
{
    std::vector<std::string> joined;
    std::optional<std::string> continued;
    for (const auto& raw : values) {
        std::string value = continued.value_or("") + raw;
        continued.reset();
        if (m_skip_blank && is_blank(value)) {
            continue;
        }
        if (!value.empty() && is_perl_space(value.back())) {
            continued = std::move(value);
            continue;
        }
        joined.push_back(std::move(value));
    }
    if (continued) {
        joined.push_back(std::move(*continued));
    }
    return joined;
}

// --csv, as GNU parallel: a record whose quoted field is still open (an odd number of
// '"') goes on past its delimiter, which stays in it. Without the closing quote the
// rest is one record, that parse_csv_record() then refuses.
std::vector<std::string> Input::join_csv_records(const std::vector<std::string>& values) const
{
    std::vector<std::string> joined;
    bool open = false;
    for (const auto& value : values) {
        if (open) {
            joined.back().append(1, m_delimiter).append(value);
        } else {
            joined.push_back(value);
        }
        open = open != csv_record_open(value); // the new line's quotes only: linear in the record
    }
    return joined;
}

// The first source's next record from its stream: with --csv, whole across delimiters
// (see join_csv_records), and m_first_line the line it starts on.
ReadStatus Input::read_csv_record(RecordReader& reader, std::string& value, bool may_block)
{
    while (true) {
        ReadStatus status = reader.next(value, may_block);
        if (!m_csv || status == ReadStatus::would_block) {
            return status;
        }
        if (status == ReadStatus::end) {
            if (!m_csv_part) {
                return status;
            }
            value = std::move(*m_csv_part);
            m_csv_part.reset();
            return ReadStatus::record;
        }
        bool odd = csv_record_open(value); // this line's quotes only: linear in the record
        if (m_csv_part) {
            m_csv_part->append(1, m_delimiter).append(value);
            if (odd) { // the quote closes
                value = std::move(*m_csv_part);
                m_csv_part.reset();
                return status;
            }
            continue;
        }
        m_first_line = reader.record_number();
        if (!odd) {
            return status;
        }
        m_csv_part = std::move(value);
    }
}

// --header, as GNU parallel: a source's first record (before -E, -r and -L) names its
// columns; waits for it on a stream.
void Input::take_header(Source& source)
{
    std::string value;
    if (source.reader) {
        if (read_csv_record(*source.reader, value, true) == ReadStatus::record) {
            add_names(source, std::move(value));
        }
    } else if (!source.values.empty()) {
        add_names(source, std::move(source.values.front()));
        source.values.erase(source.values.begin());
    }
}

// Splits a header record into names: as a CSV record with --csv, else at --colsep (without
// trimming, as GNU parallel); a '\r' at its end is a DOS line end.
void Input::add_names(const Source& source, std::string value)
{
    if (value.ends_with('\r')) {
        value.pop_back();
    }
    std::string where = source.name + " header";
    if (m_csv) {
        if (auto error = parse_csv_record(value, *m_csv, m_names)) {
            throw Error(where + ": not CSV: " + *error);
        }
    } else if (!m_colsep || value.empty()) {
        m_names.push_back(value);
    } else if (perl_split(*m_colsep, value, m_names) == Regex::Found::limit) {
        throw Error(where + ": --colsep '" + m_colsep->pattern() + "': " + m_colsep->limit_reached());
    }
}

// The next record of the first source's stream, after -E, -r and -L.
ReadStatus Input::read_first(std::string& value, bool may_block)
{
    while (true) {
        ReadStatus status =
            m_eof_seen ? ReadStatus::end : read_csv_record(*m_sources.front().reader, value, may_block);
        if (status == ReadStatus::record && !m_eof.empty() && value == m_eof) {
            m_eof_seen = true; // the rest of the source is not read
            status = ReadStatus::end;
        }
        if (status != ReadStatus::record) {
            if (status == ReadStatus::end && m_continued) {
                value = std::move(*m_continued);
                m_continued.reset();
                return ReadStatus::record;
            }
            return status;
        }
        if (m_continued) {
            value = *m_continued + value;
            m_continued.reset();
        }
        if (m_skip_blank && is_blank(value)) {
            continue;
        }
        if (m_join && !value.empty() && is_perl_space(value.back())) {
            m_continued = value;
            continue;
        }
        return status;
    }
}

// The next value of the first source; with --link, wraps around once it has ended.
ReadStatus Input::next_first(std::string& value, bool may_block)
{
    Source& first = m_sources.front();
    if (!m_first_ended) {
        ReadStatus status = ReadStatus::end;
        if (first.reader) {
            status = read_first(value, may_block);
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

// As GNU parallel: Perl's split (or a CSV record's fields), then --trim (its default with
// --colsep: both ends) on each column. An empty value is one empty column. Returns why
// the value is not split, if it is not: it is then one column, unsplit.
std::optional<std::string> Input::append_columns(Record& record, const std::string& value)
{
    std::size_t first = record.columns.size();
    std::optional<std::string> error;
    if ((!m_colsep && !m_csv) || value.empty()) {
        record.columns.push_back(value);
    } else if (m_csv) {
        error = parse_csv_record(value, *m_csv, record.columns);
        if (error) {
            error = "not CSV: " + *error;
        }
    } else if (perl_split(*m_colsep, value, record.columns) == Regex::Found::limit) {
        error = "--colsep '" + m_colsep->pattern() + "': " + m_colsep->limit_reached();
    }
    if (error) {
        record.columns.resize(first);
        record.columns.push_back(value);
        return error;
    }
    for (std::size_t i = first; i < record.columns.size(); ++i) {
        trim_white_space(record.columns[i], m_trim);
    }
    return std::nullopt;
}

// Adds a value of source `source` (its record `number`), noting why the record cannot
// run: a split past the regex limits, or a NUL byte left in a column (one that
// --colsep matched as a separator is in no argument).
void Input::append_value(Record& record, std::size_t source, std::size_t number, const std::string& value)
{
    std::size_t first = record.columns.size();
    std::optional<std::string> error = append_columns(record, value);
    if (!record.unusable.empty()) {
        return;
    }
    const std::string& name = m_sources[source].name;
    if (error) {
        bool line = m_csv && source == 0 && m_sources[0].reader;
        record.unusable =
            "fanout: " + name +
            (line ? " line " + std::to_string(m_first_line) : " record " + std::to_string(number)) + ": " +
            *error + " (the record is not run)";
        return;
    }
    for (std::size_t i = first; i < record.columns.size(); ++i) {
        const std::string& column = record.columns[i];
        if (std::size_t at = column.find('\0'); at != std::string::npos) {
            // Columns are pieces of the value: where this one stands in it.
            record.unusable = nul_byte_message(name, number, value.find(column) + at);
            return;
        }
    }
}

// Steps the later sources' positions, last fastest; false when all combinations are done.
bool Input::advance_odometer()
{
    for (std::size_t i = m_sources.size() - 1; i >= 1; --i) {
        if (m_leader[i] != i) {
            continue; // moves with the first source of its group
        }
        if (++m_odometer[i] < m_group_size[i]) {
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
    bool any_empty =
        std::any_of(m_sources.begin() + 1, m_sources.end(), [](const Source& s) { return s.values.empty(); });
    if (m_need_first || any_empty) {
        ReadStatus status = any_empty ? ReadStatus::end : next_first(m_first_value, may_block);
        if (status != ReadStatus::record) {
            m_ended = status == ReadStatus::end;
            return status;
        }
        if (m_first_index > m_first_limit) {
            m_ended = true; // a source linked to the first one has no more values
            return ReadStatus::end;
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
        std::size_t position = m_link             ? index % values.size()
                               : m_leader[i] == 0 ? index
                                                  : m_odometer[m_leader[i]];
        append_value(record, i, position + 1, values[position]);
    }
    m_need_first = m_link || !advance_odometer();
    return ReadStatus::record;
}

} // namespace fanout
