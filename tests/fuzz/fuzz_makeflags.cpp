// Fuzzes parse_makeflags, which reads MAKEFLAGS from whatever make (or a user) exported,
// against a plain reading of make's format.
//
// Input: the MAKEFLAGS text.
#include "fuzz_support.hpp"

#include "jobserver.hpp"

#include <climits>
#include <cstdint>
#include <optional>

namespace {

// The first word of MAKEFLAGS holds make's single-letter flags ("n", "rnk"), unless it
// is an option or a variable assignment.
bool says_dry_run(std::string_view flags)
{
    std::size_t start = flags.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        return false;
    }
    std::string_view word = flags.substr(start, flags.find(' ', start) - start);
    return word.front() != '-' && word.find('=') == std::string_view::npos &&
           word.find('n') != std::string_view::npos;
}

// The value of the last --jobserver-auth= or --jobserver-fds= word: make reads the last.
std::optional<std::string> last_jobserver_value(std::string_view flags)
{
    std::optional<std::string> value;
    for (const auto& word : fuzz::split(flags, ' ')) {
        for (std::string_view prefix : {"--jobserver-auth=", "--jobserver-fds="}) {
            if (std::string_view(word).starts_with(prefix)) {
                value = word.substr(prefix.size());
            }
        }
    }
    return value;
}

// A descriptor number: decimal digits that fit an int. A minus sign is read, as
// from_chars does, so only "-0" (zero) passes with one.
std::optional<int> descriptor(std::string_view text)
{
    bool negative = text.starts_with('-');
    text.remove_prefix(negative ? 1 : 0);
    if (text.empty()) {
        return std::nullopt;
    }
    long long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
        if (value > INT_MAX) {
            return std::nullopt;
        }
    }
    if (negative && value != 0) {
        return std::nullopt;
    }
    return static_cast<int>(value);
}

// What the last jobserver word names: a FIFO, two descriptors, or nothing usable.
std::optional<fanout::JobserverAuth> expected_auth(std::string_view value)
{
    fanout::JobserverAuth auth;
    if (value.starts_with("fifo:") && value.size() > 5) {
        auth.fifo = std::string(value.substr(5));
        return auth;
    }
    std::size_t comma = value.find(',');
    if (comma == std::string_view::npos) {
        return std::nullopt;
    }
    std::optional<int> read = descriptor(value.substr(0, comma));
    std::optional<int> write = descriptor(value.substr(comma + 1));
    if (!read || !write) {
        return std::nullopt;
    }
    auth.read_fd = *read;
    auth.write_fd = *write;
    return auth;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view flags = fuzz::as_text(data, size);
    fanout::MakeflagsJobserver found = fanout::parse_makeflags(flags);
    FUZZ_REQUIRE(found.dry_run == says_dry_run(flags));
    FUZZ_REQUIRE(!(found.dry_run && found.auth));
    FUZZ_REQUIRE(!(found.auth && !found.problem.empty()));
    std::optional<std::string> value = last_jobserver_value(flags);
    std::optional<fanout::JobserverAuth> expected = value ? expected_auth(*value) : std::nullopt;
    FUZZ_REQUIRE(found.problem.empty() == (!value || expected.has_value()));
    if (found.dry_run) {
        return 0;
    }
    FUZZ_REQUIRE(found.auth.has_value() == expected.has_value());
    if (found.auth) {
        FUZZ_REQUIRE(found.auth->fifo == expected->fifo);
        FUZZ_REQUIRE(found.auth->read_fd == expected->read_fd && found.auth->write_fd == expected->write_fd);
        FUZZ_REQUIRE(found.auth->fifo.empty() ? found.auth->read_fd >= 0 && found.auth->write_fd >= 0
                                              : found.auth->fifo.find(' ') == std::string::npos);
    }
    return 0;
}
