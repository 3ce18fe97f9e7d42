// TaskList (--tasks): reads a JSON Lines file, or one JSON array, entry by entry
// without loading it whole; each entry is one job.
#pragma once

#include "job_source.hpp"
#include "record_reader.hpp"
#include "task.hpp"

#include <deque>
#include <string>

namespace fanout {

class TaskList : public JobSource {
public:
    // Opens `path` ("-" is stdin); throws Error naming it when it cannot be read.
    explicit TaskList(const std::string& path);

    ReadStatus next(JobSpec& job, bool may_block) override;
    [[nodiscard]] int wait_fd() const override { return m_reader.fd(); }

private:
    // One entry's text and where it starts, or what is wrong around there.
    struct Entry {
        std::string text;
        TaskPosition where;
        std::string problem;
    };

    void scan_line(const std::string& line);
    void scan_array(const std::string& line);
    void end_element(std::size_t line, std::size_t column);
    void problem(std::size_t line, std::size_t column, const std::string& message);

    RecordReader m_reader;
    std::string m_name;
    std::string m_line;
    std::deque<Entry> m_entries; // scanned, not yet taken
    std::uint64_t m_seq = 0;
    enum class Format { unknown, lines, array } m_format = Format::unknown;
    // A JSON array being split into its elements.
    Entry m_element;
    int m_depth = 0;
    bool m_in_string = false;
    bool m_escaped = false;
    bool m_array_closed = false;
    bool m_after_comma = false; // the last entry ended with ',': another must follow
    bool m_trailing_reported = false;
    std::size_t m_last_line = 0;
    std::size_t m_last_column = 0;
};

} // namespace fanout
