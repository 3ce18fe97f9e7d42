#include "system_gate.hpp"

#include "error.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace fanout {

namespace {

std::string read_file(const char* path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool parse_double(std::string_view text, double& value)
{
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(value);
}

} // namespace

double parse_load(std::string_view text, std::size_t cpus)
{
    bool percent = text.ends_with('%');
    double value = 0;
    if (!parse_double(percent ? text.substr(0, text.size() - 1) : text, value) || value <= 0) {
        throw Error("--load: invalid value '" + std::string(text) +
                    "' (expected a load such as 2.5, or N% of the CPUs)");
    }
    return percent ? value * static_cast<double>(cpus) / 100 : value;
}

std::optional<double> parse_loadavg(std::string_view contents)
{
    double value = 0;
    if (!parse_double(contents.substr(0, contents.find(' ')), value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> parse_mem_available(std::string_view contents)
{
    std::size_t pos = contents.find("MemAvailable:");
    if (pos == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view rest = contents.substr(pos + 13);
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    std::uint64_t kib = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    if (ec != std::errc() || ptr == rest.data()) {
        return std::nullopt;
    }
    return kib * 1024;
}

bool SystemGate::open() const
{
    if (max_load) {
        auto load = parse_loadavg(read_file("/proc/loadavg"));
        if (load && *load > *max_load) {
            return false;
        }
    }
    if (min_free) {
        auto available = parse_mem_available(read_file("/proc/meminfo"));
        if (available && *available < *min_free) {
            return false;
        }
    }
    return true;
}

} // namespace fanout
