#include "table_results.hpp"

#include "error.hpp"
#include "results_format.hpp"
#include "write_all.hpp"

#include <fcntl.h>

#include <cstdio>

namespace fanout {

namespace {

std::string number(const char* format, double value)
{
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string csv_row(const JobRecord& job, char sep)
{
    double start = std::chrono::duration<double>(job.start.time_since_epoch()).count();
    std::vector<std::string> fields = {std::to_string(job.seq),
                                       job.host,
                                       number("%.3f", start),
                                       number("%.3f", job.runtime.count()),
                                       std::to_string(job.sent),
                                       std::to_string(job.bytes[0]),
                                       std::to_string(job.gnu_exit_value()),
                                       std::to_string(job.signal),
                                       job.command};
    fields.insert(fields.end(), job.args.begin(), job.args.end());
    fields.push_back(job.output[0]);
    fields.push_back(job.output[1]);
    std::string row;
    for (const std::string& field : fields) {
        row += (row.empty() ? "" : std::string(1, sep)) + csv_field(field, sep);
    }
    return row + "\n";
}

std::string json_row(const JobRecord& job)
{
    double start = std::chrono::duration<double>(job.start.time_since_epoch()).count();
    std::string values;
    for (const std::string& arg : job.args) {
        values += (values.empty() ? "\"" : ",\"") + gnu_json_text(arg) + "\"";
    }
    return "{ \"Seq\": " + std::to_string(job.seq) + ", \"Host\": \"" + gnu_json_text(job.host) +
           "\", \"Starttime\": " + number("%.3f", start) +
           ", \"JobRuntime\": " + number("%.3f", job.runtime.count()) +
           ", \"Send\": " + std::to_string(job.sent) + ", \"Receive\": " + std::to_string(job.bytes[0]) +
           ", \"Exitval\": " + std::to_string(job.gnu_exit_value()) +
           ", \"Signal\": " + std::to_string(job.signal) + ", \"Command\": \"" + gnu_json_text(job.command) +
           "\", \"V\": [ " + values + " ], \"Stdout\": \"" + gnu_json_text(job.output[0]) +
           "\", \"Stderr\": \"" + gnu_json_text(job.output[1]) + "\" }\n";
}

} // namespace

std::string table_header(std::size_t values, char sep, const std::vector<std::string>& column_names)
{
    std::vector<std::string> fields = {"Seq",     "Host",    "Starttime", "JobRuntime", "Send",
                                       "Receive", "Exitval", "Signal",    "Command"};
    for (std::size_t v = 0; v < values; ++v) {
        fields.push_back(v < column_names.size() ? column_names[v] : "V" + std::to_string(v + 1));
    }
    fields.emplace_back("Stdout");
    fields.emplace_back("Stderr");
    std::string header;
    for (const std::string& field : fields) {
        header += (header.empty() ? "" : std::string(1, sep)) + csv_field(field, sep);
    }
    return header + "\n";
}

std::string table_row(const JobRecord& job, TableFormat format)
{
    return format == TableFormat::json  ? json_row(job)
           : format == TableFormat::csv ? csv_row(job, ',')
                                        : csv_row(job, '\t');
}

TableResults::TableResults(const std::string& path, TableFormat format, std::vector<std::string> column_names)
    : m_format(format), m_column_names(std::move(column_names))
{
    if (path != "-") {
        m_file.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
        if (!m_file) {
            throw Error(os_error("--results: cannot open '" + path + "'"));
        }
    }
}

// GNU parallel heads the table with the first job to finish (V1.. as many as it has).
std::string TableResults::rows_for(const JobRecord& job) const
{
    std::string text;
    if (m_format != TableFormat::json && !m_header_written) {
        text = table_header(job.args.size(), m_format == TableFormat::csv ? ',' : '\t', m_column_names);
        m_header_written = true;
    }
    return text + table_row(job, m_format);
}

void TableResults::job_finished(const JobRecord& job)
{
    if (m_file) {
        write_all(m_file.get(), rows_for(job), "the --results file");
    }
}

std::string TableResults::line_for_stdout(const JobRecord& job) const
{
    return m_file ? std::string() : rows_for(job);
}

} // namespace fanout
