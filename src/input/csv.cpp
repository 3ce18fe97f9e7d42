#include "csv.hpp"

#include <algorithm>

namespace fanout {

bool csv_record_open(std::string_view text)
{
    return std::count(text.begin(), text.end(), '"') % 2 == 1;
}

namespace {

// Reads the quoted field that starts at `at` (its opening '"'), up to the separator or the
// end after its closing '"'; moves `at` there. Returns why it is not CSV, if it is not.
std::optional<std::string> read_quoted(std::string_view record, char separator, std::size_t& at,
                                       std::string& field)
{
    std::size_t opening = at++;
    while (true) {
        std::size_t quote = record.find('"', at);
        if (quote == std::string_view::npos) {
            return "a quoted field (byte " + std::to_string(opening + 1) + ") has no closing '\"'";
        }
        field.append(record.substr(at, quote - at));
        at = quote + 1;
        if (at < record.size() && record[at] == '"') {
            field.push_back('"'); // "" is one quote
            ++at;
            continue;
        }
        if (at < record.size() && record[at] != separator) {
            return "text after the closing '\"' of a quoted field (byte " + std::to_string(at + 1) + ")";
        }
        return std::nullopt;
    }
}

} // namespace

std::optional<std::string> parse_csv_record(std::string_view record, char separator,
                                            std::vector<std::string>& fields)
{
    if (record.ends_with('\r')) {
        record.remove_suffix(1);
    }
    std::vector<std::string> parsed;
    std::size_t at = 0;
    while (true) {
        std::string field;
        if (at < record.size() && record[at] == '"') {
            if (auto error = read_quoted(record, separator, at, field)) {
                return error;
            }
        } else {
            std::size_t end = std::min(record.find(separator, at), record.size());
            std::size_t quote = record.find('"', at);
            if (quote < end) {
                return "a '\"' inside an unquoted field (byte " + std::to_string(quote + 1) + ")";
            }
            field.assign(record.substr(at, end - at));
            at = end;
        }
        parsed.push_back(std::move(field));
        if (at >= record.size()) {
            break;
        }
        ++at; // the separator; one after the last makes an empty last field
        if (at == record.size()) {
            parsed.emplace_back();
            break;
        }
    }
    fields.insert(fields.end(), std::make_move_iterator(parsed.begin()),
                  std::make_move_iterator(parsed.end()));
    return std::nullopt;
}

} // namespace fanout
