// JobLog: GNU parallel's --joblog file (TSV, one line per finished job), and reading
// one back for --resume and --resume-failed.
#pragma once

#include "fd.hpp"
#include "report.hpp"

#include <optional>
#include <string>
#include <unordered_map>

namespace fanout {

class JobLog : public Report {
public:
    // "FILE" truncates, "+FILE" appends; `append` forces appending (--resume).
    // `with_ids` (--tasks) adds an Id column before Command.
    // Throws Error naming the file when it cannot be opened.
    JobLog(const std::string& spec, bool append, bool with_ids = false);
    void job_finished(const JobRecord& job) override;

private:
    Fd m_fd;
    bool m_with_ids;
};

// The joblog's line for one job, with its newline.
std::string joblog_line(const JobRecord& job, bool with_id = false);

// What an earlier run's joblog says of each sequence number.
struct LoggedJob {
    int exit_code = 0;
    int signal = 0;
    std::string command;
};
using JobLogEntries = std::unordered_map<std::uint64_t, LoggedJob>;

// Reads `spec` ("+" prefix allowed). A missing file is an empty log; a line that is not
// in the format is skipped. Later lines for a seq win, as a resumed log appends.
JobLogEntries read_joblog(const std::string& spec);

// The joblog path without the "+" prefix.
std::string joblog_path(const std::string& spec);

} // namespace fanout
