// JunitReport: --junit FILE, a JUnit XML file with one testcase per job, as GitLab,
// Jenkins and GitHub test reporters read it.
#pragma once

#include "fd.hpp"
#include "report.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace fanout {

class JunitReport : public Report {
public:
    // Throws Error naming the file when it cannot be written.
    explicit JunitReport(std::string path);
    void job_finished(const JobRecord& job) override;
    void run_finished(const RunProgress& progress) override;
    [[nodiscard]] std::size_t output_wanted() const override { return k_output_cap; }

    // Captured output kept per stream and job: the first this many bytes.
    static constexpr std::size_t k_output_cap = 64 * 1024;

private:
    void rewrite();

    std::string m_path;
    Fd m_spool; // testcase elements so far, in an unlinked temp file
    std::size_t m_spool_size = 0;
    std::size_t m_tests = 0;
    std::size_t m_failures = 0;
    double m_time = 0;
    std::chrono::system_clock::time_point m_started;
    std::chrono::steady_clock::time_point m_last_write{};
};

// Text made safe for XML: markup escaped, and bytes that are not valid UTF-8 or not
// allowed in XML 1.0 replaced by U+FFFD.
std::string xml_escape(std::string_view text);

} // namespace fanout
