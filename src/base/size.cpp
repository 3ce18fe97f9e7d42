#include "size.hpp"

#include "error.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace fanout {

namespace {

// The factor of a unit as GNU parallel's multiply_binary_prefix reads it: a lower-case
// letter is a power of 1000, an upper-case one a power of 1024, and a letter followed
// by i or I a power of 1024 whatever its case. 0 when `unit` is none of these.
double unit_factor(std::string_view unit)
{
    constexpr std::string_view k_lower = "kmgtpe";
    constexpr std::string_view k_upper = "KMGTPE";
    if (unit.empty() || unit.size() > 2) {
        return unit.empty() ? 1 : 0;
    }
    std::size_t power = k_lower.find(unit[0]);
    bool binary = power == std::string_view::npos;
    if (binary) {
        power = k_upper.find(unit[0]);
    }
    if (power == std::string_view::npos || (unit.size() == 2 && unit[1] != 'i' && unit[1] != 'I')) {
        return 0;
    }
    binary = binary || unit.size() == 2;
    return std::pow(binary ? 1024.0 : 1000.0, static_cast<double>(power + 1));
}

} // namespace

std::uint64_t parse_size(std::string_view text, const char* option)
{
    std::size_t digits = text.find_first_not_of("0123456789.");
    std::string_view number = text.substr(0, digits);
    std::string_view unit = digits == std::string_view::npos ? std::string_view() : text.substr(digits);
    double factor = unit_factor(unit);
    double value = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    bool whole = !number.empty() && error == std::errc() && end == number.data() + number.size();
    // 1.8e19 is just below 2^64: the product must fit the result.
    if (!whole || factor == 0 || !std::isfinite(value) || value * factor > 1.8e19) {
        throw Error(std::string(option) + ": invalid size '" + std::string(text) +
                    "' (expected N, or N with k, m, g, t, p (powers of 1000) or K, M, G, T, P, Ki, Mi... "
                    "(powers of 1024))");
    }
    return static_cast<std::uint64_t>(value * factor);
}

} // namespace fanout
