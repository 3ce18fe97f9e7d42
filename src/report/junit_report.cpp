#include "junit_report.hpp"

#include "error.hpp"
#include "rfc3339.hpp"
#include "temp_file.hpp"
#include "utf8.hpp"
#include "write_all.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace fanout {

namespace {

constexpr auto k_rewrite_interval = std::chrono::seconds(1);
constexpr std::string_view k_replacement = "\xEF\xBF\xBD";

std::string failure_message(const JobRecord& job)
{
    if (job.timed_out) {
        return "timed out";
    }
    if (job.signal != 0) {
        return "killed by signal " + std::to_string(job.signal);
    }
    return "exit code " + std::to_string(job.exit_code);
}

std::string testcase(const JobRecord& job)
{
    char time[32];
    std::snprintf(time, sizeof time, "%.3f", job.runtime.count());
    std::string name = (job.id.empty() ? std::to_string(job.seq) : job.id) + ": " + job.command;
    std::string xml =
        "    <testcase classname=\"fanout\" name=\"" + xml_escape(name) + "\" time=\"" + time + "\">\n";
    if (job.failed()) {
        xml += "      <failure type=\"" +
               std::string(job.timed_out ? "timeout"
                           : job.signal  ? "signal"
                                         : "exit") +
               "\" message=\"" + failure_message(job) + "\"/>\n";
    }
    const char* tags[2] = {"system-out", "system-err"};
    for (int s = 0; s < 2; ++s) {
        if (!job.output[s].empty()) {
            xml += std::string("      <") + tags[s] + ">" + xml_escape(job.output[s]) +
                   (job.output_truncated[s] ? "\n[... truncated]" : "") + "</" + tags[s] + ">\n";
        }
    }
    return xml + "    </testcase>\n";
}

} // namespace

std::string xml_escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char c = text[i];
        std::size_t length = utf8_length(text, i);
        bool control =
            length == 1 && static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
        // U+FFFE and U+FFFF are valid UTF-8 but not XML 1.0 characters.
        bool nonchar = length == 3 && text.substr(i, 2) == "\xEF\xBF" &&
                       (text[i + 2] == '\xBE' || text[i + 2] == '\xBF');
        if (length == 0 || control || nonchar) {
            out += k_replacement;
            i += length == 0 ? 1 : length;
            continue;
        }
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out.append(text.substr(i, length));
        }
        i += length;
    }
    return out;
}

JunitReport::JunitReport(std::string path)
    : m_path(std::move(path)), m_spool(open_temp_file("to spool the --junit report")),
      m_started(std::chrono::system_clock::now())
{
    rewrite(); // fail now, before any job runs, if the file cannot be written
}

void JunitReport::job_finished(const JobRecord& job)
{
    std::string xml = testcase(job);
    write_all(m_spool.get(), xml, "JUnit spool");
    m_spool_size += xml.size();
    ++m_tests;
    m_failures += job.failed() ? 1 : 0;
    m_time += job.runtime.count();
    if (std::chrono::steady_clock::now() - m_last_write >= k_rewrite_interval) {
        rewrite();
    }
}

void JunitReport::run_finished(const RunProgress&)
{
    rewrite();
}

// Writes the whole file anew beside the target and renames it over, so a reader never
// sees half a file.
void JunitReport::rewrite()
{
    std::string temp = m_path + ".fanout-tmp";
    Fd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
    if (!out) {
        throw Error(os_error("--junit: cannot write '" + m_path + "'")); // not our temp file's name
    }
    char head[512];
    std::snprintf(head, sizeof head,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuites name=\"fanout\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n"
                  "  <testsuite name=\"fanout\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" "
                  "time=\"%.3f\" timestamp=\"%s\">\n",
                  m_tests, m_failures, m_time, m_tests, m_failures, m_time,
                  rfc3339(m_started).substr(0, 19).c_str());
    write_all(out.get(), head, "JUnit file");
    std::string body(m_spool_size, '\0');
    if (m_spool_size > 0 &&
        ::pread(m_spool.get(), body.data(), body.size(), 0) != static_cast<ssize_t>(body.size())) {
        throw Error(os_error("--junit: reading back the spool"));
    }
    write_all(out.get(), body, "JUnit file");
    write_all(out.get(), "  </testsuite>\n</testsuites>\n", "JUnit file");
    if (::rename(temp.c_str(), m_path.c_str()) != 0) {
        ::unlink(temp.c_str());
        throw Error(os_error("--junit: cannot write '" + m_path + "'"));
    }
    m_last_write = std::chrono::steady_clock::now();
}

} // namespace fanout
