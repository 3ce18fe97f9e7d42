// Helpers the fuzz targets share: turning the fuzzer's bytes into fields, and checking
// invariants so that a violation stops the run with the input saved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

// Prints what did not hold, then traps: libFuzzer saves the input as a crash.
inline void require(bool condition, const char* what, const char* file, int line)
{
    if (!condition) {
        std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
        __builtin_trap();
    }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// The fields of `text` between `separator`s: "a\0b" is {"a", "b"}, "" is {} and "a\0" is
// {"a", ""}.
inline std::vector<std::string> split(std::string_view text, char separator)
{
    std::vector<std::string> fields;
    if (text.empty()) {
        return fields;
    }
    while (true) {
        std::size_t end = text.find(separator);
        fields.emplace_back(text.substr(0, end));
        if (end == std::string_view::npos) {
            return fields;
        }
        text.remove_prefix(end + 1);
    }
}

// The first byte of `text` (0 when empty), removed from it: targets read flags this way.
inline unsigned take_byte(std::string_view& text)
{
    if (text.empty()) {
        return 0;
    }
    auto byte = static_cast<unsigned char>(text.front());
    text.remove_prefix(1);
    return byte;
}

} // namespace fuzz

// Checks an invariant of the code under test; a failure is a bug in src/, not in the input.
#define FUZZ_REQUIRE(condition) ::fuzz::require((condition), #condition, __FILE__, __LINE__)
