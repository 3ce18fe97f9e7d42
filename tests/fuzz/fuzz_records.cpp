// Fuzzes RecordReader (over a memfd and over a pipe fed in pieces) and Input (sources,
// --link, --colsep).
//
// Input: the delimiter byte, a flags byte, then the data.
//   bit 0: read a pipe written in pieces (else a memfd, a regular file)
//   bit 1: also feed the data to Input: its records are values, ":::" starts another
//          source; with bit 3 the first record is the --colsep regex
//   bit 2: --link   bit 3: --colsep   bits 4-7: size of the pieces written to the pipe
#include "fuzz_support.hpp"

#include "error.hpp"
#include "fd.hpp"
#include "input.hpp"
#include "record_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <optional>

namespace {

using fanout::ReadStatus;
using fanout::RecordReader;

// Input combines every value of every source: keep the product and the regex work small.
constexpr std::size_t k_max_sources = 3;
constexpr std::size_t k_max_values = 6;
constexpr std::size_t k_max_value_size = 16;
constexpr std::size_t k_max_regex_size = 6;

void write_whole(int fd, std::string_view data)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        FUZZ_REQUIRE(n > 0); // the harness's own pipe or memfd: cannot fail
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The records joined with the delimiter: the data again, but for a last delimiter.
void check_records(std::string_view data, char delimiter, const std::vector<std::string>& records)
{
    std::string rebuilt;
    for (const auto& record : records) {
        rebuilt += record;
        rebuilt += delimiter;
    }
    if (!data.empty() && data.back() != delimiter) {
        rebuilt.pop_back();
    }
    FUZZ_REQUIRE(rebuilt == data);
}

void take_ready(RecordReader& reader, std::vector<std::string>& records, bool may_block)
{
    std::string record;
    ReadStatus status;
    while ((status = reader.next(record, may_block)) == ReadStatus::record) {
        records.push_back(record);
        FUZZ_REQUIRE(reader.record_number() == records.size());
    }
    FUZZ_REQUIRE(status == (may_block ? ReadStatus::end : ReadStatus::would_block));
}

void read_memfd(std::string_view data, char delimiter)
{
    int fd = ::memfd_create("fuzz-records", MFD_CLOEXEC);
    FUZZ_REQUIRE(fd >= 0);
    write_whole(fd, data);
    FUZZ_REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    RecordReader reader(fd, true, "memfd", delimiter);
    std::optional<std::size_t> expected = reader.count_remaining();
    std::vector<std::string> records;
    take_ready(reader, records, true);
    check_records(data, delimiter, records);
    FUZZ_REQUIRE(expected && *expected == records.size());
}

// Writes a piece, reads what is ready without blocking, and so on; then ends the pipe.
void read_pipe(std::string_view data, char delimiter, std::size_t piece)
{
    int ends[2];
    FUZZ_REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    RecordReader reader(ends[0], true, "pipe", delimiter);
    fanout::Fd write_end(ends[1]);
    std::vector<std::string> records;
    for (std::string_view rest = data; !rest.empty();) {
        std::string_view now = rest.substr(0, piece);
        write_whole(write_end.get(), now); // the pipe is drained each time, so this never blocks
        rest.remove_prefix(now.size());
        take_ready(reader, records, false);
    }
    write_end.reset();
    take_ready(reader, records, true);
    check_records(data, delimiter, records);
    FUZZ_REQUIRE(!reader.count_remaining());
}

struct Sources {
    std::vector<std::vector<std::string>> values;
    std::optional<std::string> colsep;
};

Sources sources_of(std::string_view data, char delimiter, bool with_colsep)
{
    Sources sources;
    std::vector<std::string> records = fuzz::split(data, delimiter);
    auto next = records.begin();
    if (with_colsep && next != records.end()) {
        sources.colsep = next->substr(0, k_max_regex_size);
        ++next;
    }
    sources.values.emplace_back();
    for (; next != records.end(); ++next) {
        if (*next == ":::" && sources.values.size() < k_max_sources) {
            sources.values.emplace_back();
        } else if (sources.values.back().size() < k_max_values) {
            sources.values.back().push_back(next->substr(0, k_max_value_size));
        }
    }
    return sources;
}

// The records Input must give, without --colsep: GNU parallel's combinations.
std::vector<std::vector<std::string>> expected_records(const Sources& sources, bool link)
{
    std::vector<std::vector<std::string>> records;
    std::size_t longest = 0;
    std::size_t product = 1;
    for (const auto& values : sources.values) {
        longest = std::max(longest, values.size());
        product *= values.size();
    }
    std::size_t count = product == 0 ? 0 : link ? longest : product;
    for (std::size_t k = 0; k < count; ++k) {
        std::vector<std::string> columns;
        std::size_t rest = k; // cartesian: k in mixed radix, the last source fastest
        for (std::size_t i = sources.values.size(); i-- > 0;) {
            const auto& values = sources.values[i];
            columns.push_back(values[link ? k % values.size() : rest % values.size()]);
            rest /= values.size();
        }
        std::reverse(columns.begin(), columns.end());
        records.push_back(std::move(columns));
    }
    return records;
}

// A regex that matches only itself, literally: then --colsep is a plain split.
bool is_literal(const std::string& regex)
{
    return std::all_of(regex.begin(), regex.end(), [](char c) {
        return std::string_view("\\^$.|?*+()[]{}").find(c) == std::string_view::npos && c != '\0';
    });
}

// GNU parallel's --trim lr, which --colsep implies.
std::string trimmed(std::string text)
{
    auto space = [](char c) { return std::string_view(" \t\n\v\f\r").find(c) != std::string_view::npos; };
    while (!text.empty() && space(text.back())) {
        text.pop_back();
    }
    std::size_t start = 0;
    while (start < text.size() && space(text[start])) {
        ++start;
    }
    return text.substr(start);
}

// Perl's split by a literal separator ("" splits between bytes), each column trimmed.
std::vector<std::string> split_columns(const std::vector<std::string>& values, const std::string& separator)
{
    std::vector<std::string> columns;
    for (const auto& value : values) {
        if (value.empty()) {
            columns.emplace_back();
            continue;
        }
        std::size_t start = 0;
        std::size_t found;
        while (start < value.size() &&
               (found = separator.empty() ? start + 1 : value.find(separator, start)) != std::string::npos) {
            columns.push_back(trimmed(value.substr(start, found - start)));
            start = found + separator.size();
        }
        columns.push_back(trimmed(value.substr(start)));
    }
    return columns;
}

// Split by a regex without groups, the columns are pieces of the values, in order.
bool columns_are_pieces(const std::vector<std::string>& values, const std::vector<std::string>& columns)
{
    std::string joined;
    for (const auto& value : values) {
        joined += value;
        joined += '\0'; // no column spans two values
    }
    std::size_t at = 0;
    for (const auto& column : columns) {
        at = joined.find(column, at);
        if (at == std::string::npos) {
            return false;
        }
        at += column.size();
    }
    return true;
}

fanout::InputSettings options_of(const Sources& sources, bool link)
{
    fanout::InputSettings options;
    for (const auto& values : sources.values) {
        options.sources.push_back({fanout::SourceSpec::Kind::args, values, {}});
    }
    options.link = link;
    if (sources.colsep) {
        options.colsep.emplace(*sources.colsep, "--colsep");
        options.trim = fanout::Trim::both; // what the command line sets with --colsep
    }
    return options;
}

void check_input(std::string_view data, char delimiter, bool link, bool with_colsep)
{
    Sources sources = sources_of(data, delimiter, with_colsep);
    std::optional<fanout::Input> input;
    try {
        input.emplace(options_of(sources, link));
    } catch (const fanout::Error&) {
        return; // a --colsep the options parser refuses with a message
    }
    auto expected = expected_records(sources, link);
    FUZZ_REQUIRE(input->count_records() == expected.size());
    fanout::Record record;
    for (const auto& columns : expected) {
        FUZZ_REQUIRE(input->next(record, true) == ReadStatus::record);
        if (!sources.colsep) {
            FUZZ_REQUIRE(record.columns == columns);
        } else if (is_literal(*sources.colsep)) {
            FUZZ_REQUIRE(record.unusable.empty());
            FUZZ_REQUIRE(record.columns == split_columns(columns, *sources.colsep));
        } else if (record.unusable.empty() && sources.colsep->find('(') == std::string::npos) {
            FUZZ_REQUIRE(columns_are_pieces(columns, record.columns));
        }
    }
    FUZZ_REQUIRE(input->next(record, true) == ReadStatus::end);
    FUZZ_REQUIRE(input->next(record, false) == ReadStatus::end);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size)
{
    std::string_view data = fuzz::as_text(bytes, size);
    char delimiter = static_cast<char>(fuzz::take_byte(data));
    unsigned flags = fuzz::take_byte(data);
    try {
        if ((flags & 1) != 0) {
            std::size_t piece = 1 + (flags >> 4) * (flags >> 4) * 16;
            read_pipe(data, delimiter, piece);
        } else {
            read_memfd(data, delimiter);
        }
        if ((flags & 2) != 0) {
            check_input(data, delimiter, (flags & 4) != 0, (flags & 8) != 0);
        }
    } catch (const fanout::Error&) {
    }
    return 0;
}
