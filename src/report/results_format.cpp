#include "results_format.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>

namespace fanout {

namespace {

// FNV-1a: a short, stable name for a value too long to be a file name.
std::uint64_t fnv1a(std::string_view text)
{
    std::uint64_t hash = 14695981039346656037ULL;
    for (char c : text) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return hash;
}

// A string's value as a number in Perl: its leading decimal number, else 0 ("11a" is
// 11, "a" 0). GNU parallel orders a tree's columns by it.
double perl_number(const std::string& text)
{
    std::size_t end = text.find_first_not_of(" \t\n\r\f\v");
    if (end == std::string::npos) {
        return 0;
    }
    std::size_t start = end;
    end += text[end] == '-' || text[end] == '+' ? 1 : 0;
    std::size_t digits = end;
    end = std::min(text.find_first_not_of("0123456789", end), text.size());
    bool whole = end > digits;
    if (end < text.size() && text[end] == '.') {
        std::size_t fraction = end + 1;
        std::size_t after = std::min(text.find_first_not_of("0123456789", fraction), text.size());
        if (whole || after > fraction) {
            end = after;
            whole = true;
        }
    }
    return whole ? std::strtod(text.substr(start, end - start).c_str(), nullptr) : 0;
}

} // namespace

std::string results_dir_name(std::string_view value, std::size_t max_name)
{
    // GNU parallel writes "", "." and ".." as they are: the job's files then land in the
    // directory above (or two above) and overwrite another job's. A leading backslash
    // cannot be confused with GNU's escapes, which are all two characters.
    if (value.empty() || value == "." || value == "..") {
        return "\\" + std::string(value);
    }
    std::string name;
    name.reserve(value.size());
    for (char c : value) {
        switch (c) {
        case '\\':
            name += "\\\\";
            break;
        case '\t':
            name += "\\t";
            break;
        case '\0':
            name += "\\0";
            break;
        case '/':
            name += "\\_";
            break;
        default:
            name += c;
            break;
        }
    }
    if (name.size() > max_name) {
        // GNU parallel cuts the name at the limit, so two long values that start alike
        // share a directory; the hash keeps them apart.
        char suffix[24];
        std::snprintf(suffix, sizeof suffix, "\\#%016llx", static_cast<unsigned long long>(fnv1a(value)));
        name.resize(max_name - std::string_view(suffix).size());
        name += suffix;
    }
    return name;
}

std::vector<std::string> results_dir_names(const std::vector<std::string>& args, const std::string& task_id,
                                           std::size_t values_per_record,
                                           const std::vector<std::string>& column_names)
{
    if (!task_id.empty()) {
        return {results_dir_name(task_id)};
    }
    std::size_t width = values_per_record == 0 ? args.size() : values_per_record;
    std::vector<std::string> names;
    for (std::size_t first = 0; first < args.size(); first += width) {
        std::size_t count = std::min(width, args.size() - first);
        std::vector<std::string> headers;
        for (std::size_t i = 0; i < count; ++i) {
            headers.push_back(i < column_names.size() ? column_names[i] : std::to_string(i + 1));
        }
        std::vector<std::size_t> order(count);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&headers](std::size_t a, std::size_t b) {
            double x = perl_number(headers[a]);
            double y = perl_number(headers[b]);
            return x != y ? x < y : headers[a] < headers[b];
        });
        for (std::size_t i : order) {
            names.push_back(results_dir_name(headers[i]));
            names.push_back(results_dir_name(args[first + i]));
        }
    }
    return names;
}

std::string csv_field(std::string_view text, char sep)
{
    // GNU parallel (after Text::CSV): Perl's \s is space, \t, \n, \v, \f and \r.
    bool quoted = text.find_first_of(std::string_view("\" \t\n\v\f\r\0", 8)) != std::string_view::npos ||
                  text.find(sep) != std::string_view::npos;
    if (!quoted) {
        return std::string(text);
    }
    std::string field = "\"";
    for (char c : text) {
        field += c;
        if (c == '"') {
            field += '"';
        }
    }
    return field + "\"";
}

std::string gnu_json_text(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace fanout
