#include "task_list.hpp"

#include <memory>

namespace fanout {

namespace {

constexpr std::string_view k_blank = " \t\r";

bool blank(std::string_view text)
{
    return text.find_first_not_of(k_blank) == std::string_view::npos;
}

} // namespace

TaskList::TaskList(const std::string& path)
    : m_reader(RecordReader::open(path, '\n')), m_name(path == "-" ? "stdin" : path)
{
}

// JSON Lines: every line that is not blank is one entry.
void TaskList::scan_line(const std::string& line)
{
    if (!blank(line)) {
        m_entries.push_back(Entry{line, TaskPosition{m_name, m_reader.record_number(), 1}, {}});
    }
}

void TaskList::problem(std::size_t line, std::size_t column, const std::string& message)
{
    // Reported as a failed task, like an entry that does not parse.
    m_entries.push_back(Entry{"", TaskPosition{m_name, line, column}, message});
}

void TaskList::end_element(std::size_t line, std::size_t column)
{
    if (m_element.text.find_first_not_of(" \t\r\n") == std::string::npos) {
        problem(line, column, "an empty entry in the JSON array");
    } else {
        m_entries.push_back(std::move(m_element));
    }
    m_element = Entry{};
}

// A JSON array: its elements are split out by their brackets, strings respected.
void TaskList::scan_array(const std::string& line)
{
    std::size_t number = m_reader.record_number();
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        std::size_t column = i + 1;
        m_last_line = number;
        m_last_column = column;
        if (m_array_closed) {
            if (k_blank.find(c) == std::string_view::npos && !m_trailing_reported) {
                problem(number, column, "text after the end of the JSON array");
                m_trailing_reported = true;
            }
            continue;
        }
        if (m_element.text.empty() && !m_in_string) {
            if (k_blank.find(c) != std::string_view::npos) {
                continue;
            }
            if (m_depth == 0 && (c == ',' || c == ']')) {
                // "[]" is an empty list; ",," and ",]" leave out an entry.
                if (c == ',' || m_after_comma) {
                    problem(number, column, "an empty entry in the JSON array");
                }
                m_after_comma = c == ',';
                m_array_closed = c == ']';
                continue;
            }
            m_element.where = TaskPosition{m_name, number, column};
        }
        if (m_in_string) {
            m_in_string = m_escaped || c != '"';
            m_escaped = !m_escaped && c == '\\';
        } else if (c == '"') {
            m_in_string = true;
        } else if (c == '{' || c == '[') {
            ++m_depth;
        } else if ((c == '}' || c == ']') && m_depth > 0) {
            --m_depth;
        } else if (m_depth == 0 && (c == ',' || c == ']')) {
            end_element(number, column);
            m_after_comma = c == ',';
            m_array_closed = c == ']';
            continue;
        }
        m_element.text += c;
    }
    if (!m_element.text.empty()) {
        m_element.text += '\n';
    }
}

ReadStatus TaskList::next(JobSpec& job, bool may_block)
{
    while (m_entries.empty()) {
        ReadStatus status = m_reader.next(m_line, may_block);
        if (status == ReadStatus::would_block) {
            return status;
        }
        if (status == ReadStatus::end) {
            if (m_format == Format::array && !m_array_closed) {
                if (!m_element.text.empty()) {
                    // No line follows the '\n' scan_array ended it with: without it, the
                    // end of input is at the end of the last line, not past the file.
                    m_element.text.pop_back();
                    m_entries.push_back(std::move(m_element));
                    m_element = Entry{};
                }
                problem(m_last_line, m_last_column, "the JSON array is not closed with ']'");
                m_array_closed = true;
                continue;
            }
            return ReadStatus::end;
        }
        if (m_format == Format::unknown) {
            if (m_reader.record_number() == 1 && m_line.starts_with("\xEF\xBB\xBF")) {
                m_line.erase(0, 3); // a UTF-8 byte order mark
            }
            std::size_t first = m_line.find_first_not_of(k_blank);
            if (first == std::string::npos) {
                continue;
            }
            m_format = m_line[first] == '[' ? Format::array : Format::lines;
            if (m_format == Format::array) {
                m_line[first] = ' ';
            }
        }
        if (m_format == Format::array) {
            scan_array(m_line);
        } else {
            scan_line(m_line);
        }
    }
    Entry entry = std::move(m_entries.front());
    m_entries.pop_front();
    job = JobSpec{};
    job.seq = ++m_seq;
    job.origin = entry.where.file + " line " + std::to_string(entry.where.line);
    auto task = std::make_shared<Task>();
    std::string default_id = std::to_string(job.seq);
    if (!entry.problem.empty()) {
        task->id = default_id;
        task->error = entry.where.file + ":" + std::to_string(entry.where.line) + ":" +
                      std::to_string(entry.where.column) + ": " + entry.problem;
    } else {
        std::string stdin_data;
        *task = parse_task(entry.text, entry.where, default_id, &stdin_data);
        if (!stdin_data.empty()) {
            job.input = std::make_shared<std::string>(std::move(stdin_data));
        }
    }
    job.task = std::move(task);
    return ReadStatus::record;
}

} // namespace fanout
