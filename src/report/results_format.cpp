#include "results_format.hpp"

#include <cstdint>
#include <cstdio>

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
                                           std::size_t values_per_record)
{
    if (!task_id.empty()) {
        return {results_dir_name(task_id)};
    }
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        names.push_back(std::to_string(values_per_record == 0 ? i + 1 : i % values_per_record + 1));
        names.push_back(results_dir_name(args[i]));
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
