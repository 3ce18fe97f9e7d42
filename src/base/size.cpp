#include "size.hpp"

#include "error.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace fanout {

std::uint64_t parse_size(std::string_view text, const char* option)
{
    constexpr std::string_view k_units = "kKmMgGtT";
    double factor = 1;
    std::string_view number = text;
    if (!number.empty() && k_units.find(number.back()) != std::string_view::npos) {
        std::size_t index = k_units.find(number.back()) / 2 + 1;
        factor = std::pow(1024.0, static_cast<double>(index));
        number.remove_suffix(1);
    }
    double value = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    bool whole = !number.empty() && error == std::errc() && end == number.data() + number.size();
    // 1.8e19 is just below 2^64: the product must fit the result.
    if (!whole || !std::isfinite(value) || value < 0 || value * factor > 1.8e19) {
        throw Error(std::string(option) + ": invalid size '" + std::string(text) +
                    "' (expected N, Nk, NM, NG or NT)");
    }
    return static_cast<std::uint64_t>(value * factor);
}

} // namespace fanout
