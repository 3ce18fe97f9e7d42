#include "joblog.hpp"

#include "error.hpp"
#include "write_all.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fstream>

namespace fanout {

namespace {

constexpr const char* k_header =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";
constexpr const char* k_header_with_ids =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tId\tCommand\n";

// One job, one line: tabs and newlines would break the TSV.
std::string one_field(std::string text)
{
    for (char& c : text) {
        if (c == '\n' || c == '\t') {
            c = ' ';
        }
    }
    return text;
}

std::vector<std::string_view> split_tabs(std::string_view line, std::size_t max_fields)
{
    std::vector<std::string_view> fields;
    while (fields.size() + 1 < max_fields) {
        std::size_t tab = line.find('\t');
        if (tab == std::string_view::npos) {
            break;
        }
        fields.push_back(line.substr(0, tab));
        line.remove_prefix(tab + 1);
    }
    fields.push_back(line);
    return fields;
}

template <typename T> bool parse_number(std::string_view text, T& value)
{
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && ptr == text.data() + text.size();
}

} // namespace

std::string joblog_path(const std::string& spec)
{
    return spec.starts_with('+') ? spec.substr(1) : spec;
}

JobLog::JobLog(const std::string& spec, bool append, bool with_ids) : m_with_ids(with_ids)
{
    std::string path = joblog_path(spec);
    append = append || spec.starts_with('+');
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    m_fd.reset(::open(path.c_str(), flags, 0666));
    if (!m_fd) {
        throw Error(os_error("--joblog: cannot open '" + path + "'"));
    }
    if (!append || ::lseek(m_fd.get(), 0, SEEK_END) == 0) {
        write_all(m_fd.get(), with_ids ? k_header_with_ids : k_header, "joblog");
    }
}

std::string joblog_line(const JobRecord& job, bool with_id)
{
    // One that never started logs its 126/127.
    int exit_value = job.gnu_exit_value();
    double start = std::chrono::duration<double>(job.start.time_since_epoch()).count();
    char numbers[96];
    std::snprintf(numbers, sizeof numbers, "%.3f\t%10.3f\t%llu\t%llu\t%d\t%d\t", start, job.runtime.count(),
                  static_cast<unsigned long long>(job.sent), static_cast<unsigned long long>(job.bytes[0]),
                  exit_value, job.signal);
    std::string id = with_id ? one_field(job.id) + "\t" : std::string();
    return std::to_string(job.seq) + "\t" + job.host + "\t" + numbers + id + one_field(job.command) + "\n";
}

void JobLog::job_finished(const JobRecord& job)
{
    write_all(m_fd.get(), joblog_line(job, m_with_ids), "joblog");
}

JobLogEntries read_joblog(const std::string& spec)
{
    JobLogEntries entries;
    std::ifstream in(joblog_path(spec));
    std::string line;
    std::size_t columns = 9;
    while (std::getline(in, line)) {
        if (line + "\n" == k_header_with_ids) {
            columns = 10;
        }
        auto fields = split_tabs(line, columns);
        std::uint64_t seq = 0;
        LoggedJob job;
        if (fields.size() != columns || !parse_number(fields[0], seq) ||
            !parse_number(fields[6], job.exit_code) || !parse_number(fields[7], job.signal)) {
            continue; // the header, or a line cut short by a crash
        }
        job.command = std::string(fields[columns - 1]);
        entries[seq] = std::move(job);
    }
    return entries;
}

} // namespace fanout
