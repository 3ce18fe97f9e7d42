// The pure parts of GNU parallel's --results formats: directory names made of argument
// values, and CSV/TSV fields.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// The longest file name most file systems take (NAME_MAX).
constexpr std::size_t k_max_file_name = 255;

// One argument value as a directory name of a --results tree: GNU parallel's escapes
// (\ as \\, TAB as \t, NUL as \0, / as \_), and, where GNU would leave the tree or
// collide, fanout's: "", "." and ".." get a leading backslash, and a name longer than
// max_name keeps its start and ends in \# and a hash of the whole value.
std::string results_dir_name(std::string_view value, std::size_t max_name = k_max_file_name);

// The directories under the root for a job: "1", value 1, "2", value 2... or a task's
// id alone (--tasks). A job of several records (-n, -X) numbers each record's values
// from 1 again, as GNU parallel does: values_per_record (0: one record per job). With
// --header, column_names name the values instead of their numbers, and the pairs go
// in GNU parallel's order: by the names' numeric values, then byte by byte.
std::vector<std::string> results_dir_names(const std::vector<std::string>& args, const std::string& task_id,
                                           std::size_t values_per_record = 0,
                                           const std::vector<std::string>& column_names = {});

// One CSV (sep ',') or TSV (sep '\t') field as GNU parallel writes it: quoted, with "
// doubled, when it holds a quote, whitespace, the separator or a NUL.
std::string csv_field(std::string_view text, char sep);

// A JSON string's inside as GNU parallel's --results *.json writes it: \ and " escaped,
// bytes below 0x20 as \u00XX, every other byte as it is.
std::string gnu_json_text(std::string_view text);

} // namespace fanout
