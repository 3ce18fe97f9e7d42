// CSV records (RFC 4180) for --csv: when a record goes on past its delimiter, and its fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// True when `text` holds an odd number of '"'. A record whose line does is inside a quoted
// field at the line's end and goes on in the next line (as GNU parallel decides); a later
// line that does closes it.
bool csv_record_open(std::string_view text);

// Appends the fields of one record, separated by `separator`: a field in '"' may hold the
// separator, newlines and '""' (one '"'). A '\r' ending the record is its line end (CRLF).
// Returns why the record is not CSV, leaving `fields` as it was; nothing when it is.
std::optional<std::string> parse_csv_record(std::string_view record, char separator,
                                            std::vector<std::string>& fields);

} // namespace fanout
