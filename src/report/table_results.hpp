// TableResults: --results NAME.csv, NAME.tsv or NAME.json (and -.csv, -.tsv, -.json for
// stdout): GNU parallel's one row (or JSON object) per job, with its whole output.
#pragma once

#include "fd.hpp"
#include "report.hpp"

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace fanout {

enum class TableFormat { csv, tsv, json };

class TableResults : public Report {
public:
    // path "-": stdout, each row right after the job (whose output goes nowhere else).
    // Throws Error naming the file when it cannot be opened.
    // column_names (--header) head the values' columns instead of V1, V2...
    TableResults(const std::string& path, TableFormat format, std::vector<std::string> column_names = {});
    void job_finished(const JobRecord& job) override;
    [[nodiscard]] bool waits_for_delivery() const override { return m_file.valid(); }
    [[nodiscard]] std::string line_for_stdout(const JobRecord& job) const override;
    // The whole output, as GNU parallel keeps it: a table row cut short would be wrong.
    [[nodiscard]] std::size_t output_wanted() const override
    {
        return std::numeric_limits<std::size_t>::max();
    }
    [[nodiscard]] bool takes_stream(Stream) const override { return true; }

private:
    [[nodiscard]] std::string rows_for(const JobRecord& job) const;

    Fd m_file; // invalid: stdout
    TableFormat m_format;
    std::vector<std::string> m_column_names;
    mutable bool m_header_written = false; // CSV/TSV: before the first row
};

// One job as GNU parallel's CSV/TSV row (sep ',' or '\t') or JSON line, with newline.
std::string table_row(const JobRecord& job, TableFormat format);
// The CSV/TSV header for jobs of `values` arguments, named V1.. or by column_names.
std::string table_header(std::size_t values, char sep, const std::vector<std::string>& column_names = {});

} // namespace fanout
