// JsonResults: --results FILE.jsonl, one JSON object per finished job.
#pragma once

#include "fd.hpp"
#include "report.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace fanout {

class JsonResults : public Report {
public:
    // path "-" is stdout: each line follows its job's output there. with_output:
    // include each job's output (--results-output). Throws Error naming the file when
    // it cannot be opened.
    JsonResults(const std::string& path, bool with_output);
    void job_finished(const JobRecord& job) override;
    [[nodiscard]] bool waits_for_delivery() const override { return m_file.valid(); }
    [[nodiscard]] std::string line_for_stdout(const JobRecord& job) const override;
    [[nodiscard]] std::size_t output_wanted() const override { return m_with_output ? k_output_cap : 0; }

    // Each stream's output is kept up to this many bytes in a report.
    static constexpr std::size_t k_output_cap = 1024 * 1024;

private:
    Fd m_file; // invalid: stdout
    bool m_with_output;
};

// The JSON object for one job (without output unless asked).
nlohmann::json job_to_json(const JobRecord& job, bool with_output);

// Standard base64 with padding, for output that is not UTF-8 (JSON strings must be).
std::string base64(std::string_view bytes);

} // namespace fanout
