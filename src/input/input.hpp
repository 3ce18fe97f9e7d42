// Input: the records of all input sources, combined (cartesian or linked) and split
// into columns, read lazily from the first source.
#pragma once

#include "record_reader.hpp"
#include "regex.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fanout {

// One input record: its columns (one per source, or per --colsep column).
struct Record {
    std::vector<std::string> columns;
    const std::string* source = nullptr; // the first source's name, for messages
    std::size_t number = 0;              // 1-based record number in that source
    std::string unusable; // not empty: why no command can be made of it (a NUL byte, a --colsep split past
                          // its limits)

    [[nodiscard]] std::string origin() const { return *source + " record " + std::to_string(number); }
};

// Why a value holding a NUL byte at `offset` cannot become an argument, naming the
// record it came from: the NUL would silently cut the argument short.
std::string nul_byte_message(const std::string& source, std::size_t number, std::size_t offset);

// Appends the pieces of `value` between `delimiter`s (one, `value` itself, when it has none).
void split_at_delimiter(const std::string& value, char delimiter, std::vector<std::string>& pieces);

// One input source: where its records come from.
struct SourceSpec {
    enum class Kind { args, file };
    Kind kind = Kind::file;
    std::vector<std::string> args; // Kind::args: the values after ':::'
    std::string path;              // Kind::file: a path, "-" for stdin
    bool linked = false;           // ':::+', '::::+': paired value by value with the source before
};

// --trim: which ends of each column (each value without --colsep) lose their white space.
enum class Trim { none, left, right, both };

struct InputSettings {
    std::vector<SourceSpec> sources; // empty means: stdin
    bool link = false;               // pair sources value by value instead of combining them
    bool skip_blank = false;         // -r: drop records of white space only, in every source
    std::string eof;                 // -E: a record equal to it ends its source; empty: none
    bool join_continued = false;     // -L: a record ending in white space goes on in the next
    char delimiter = '\n';
    std::optional<Regex> colsep; // compiled once; each user copies it
    Trim trim = Trim::none;
    bool csv = false; // --csv: records are CSV, fields separated by csv_separator
    char csv_separator = ',';
    bool header = false; // --header: the first record of each source names its columns
};

class Input {
public:
    // Opens every source; all but the first are read whole now. Throws Error naming a
    // file that cannot be read.
    explicit Input(const InputSettings& settings);

    ReadStatus next(Record& record, bool may_block);

    // The descriptor to wait on after next() said would_block.
    [[nodiscard]] int wait_fd() const;

    // How many records all sources will give, if that can be known before reading
    // them (in-memory values and regular files); for --bar and --eta.
    [[nodiscard]] std::optional<std::size_t> count_records() const;

    // --header: the names of the columns, in order ({1} first, then the next ones and the
    // next sources' columns); empty without --header.
    [[nodiscard]] const std::vector<std::string>& column_names() const { return m_names; }

private:
    // A source: either a stream being read, or values already in memory.
    struct Source {
        std::optional<RecordReader> reader;
        std::vector<std::string> values;
        std::string name;
    };

    ReadStatus next_first(std::string& value, bool may_block);
    ReadStatus read_first(std::string& value, bool may_block);
    ReadStatus read_csv_record(RecordReader& reader, std::string& value, bool may_block);
    void take_header(Source& source);
    void add_names(const Source& source, std::string value);
    [[nodiscard]] std::vector<std::string> join_csv_records(const std::vector<std::string>& values) const;
    std::vector<std::string> join_values(const std::vector<std::string>& values) const;
    std::optional<std::string> append_columns(Record& record, const std::string& value);
    void append_value(Record& record, std::size_t source, std::size_t number, const std::string& value);
    bool advance_odometer();
    void group_linked_sources(const std::vector<SourceSpec>& specs);

    std::vector<Source> m_sources;
    std::optional<Regex> m_colsep;
    Trim m_trim = Trim::none;
    std::optional<char> m_csv; // --csv: its separator
    char m_delimiter = '\n';
    std::optional<std::string> m_csv_part; // --csv: the start of a record that goes on past its line
    std::size_t m_first_line = 0;          // --csv: the line of the first source's record
    std::vector<std::string> m_names;
    bool m_link = false;
    bool m_skip_blank = false;
    std::string m_eof;
    bool m_join = false;
    std::optional<std::string> m_continued; // -L: the start of a record that goes on
    bool m_eof_seen = false;
    std::size_t m_first_index = 0;         // values taken from the first source
    std::vector<std::size_t> m_odometer;   // cartesian: position of each group of later sources
    std::vector<std::size_t> m_leader;     // cartesian: each source's group, named by its first source
    std::vector<std::size_t> m_group_size; // cartesian: each group's length, the shortest of its sources
    std::size_t m_first_limit = SIZE_MAX;  // cartesian: the shortest source linked to the first one
    std::string m_first_value;
    bool m_need_first = true; // the next record needs the first source's next value
    bool m_ended = false;
    bool m_first_ended = false;
    std::size_t m_link_length = 0;         // link: the longest later source
    std::vector<std::string> m_first_kept; // link: first source's values, to wrap around
};

} // namespace fanout
