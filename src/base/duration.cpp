#include "duration.hpp"

#include "error.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <csignal>
#include <string>

namespace fanout {

namespace {

struct Unit {
    std::string_view suffix;
    double ms;
};
constexpr Unit k_units[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};

constexpr std::pair<std::string_view, int> k_signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"PIPE", SIGPIPE}, {"ABRT", SIGABRT}, {"SEGV", SIGSEGV}, {"BUS", SIGBUS},
    {"FPE", SIGFPE},   {"ILL", SIGILL},   {"TRAP", SIGTRAP}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}};

// Reads a non-negative decimal number at the front of text.
bool take_number(std::string_view& text, double& value)
{
    std::size_t end = 0;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
        ++end;
    }
    if (end == 0) {
        return false;
    }
    std::string number(text.substr(0, end));
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(value)) {
        return false;
    }
    text.remove_prefix(end);
    return true;
}

[[noreturn]] void bad(const char* option, std::string_view text, const char* expected)
{
    throw Error(std::string(option) + ": invalid value '" + std::string(text) + "' (expected " + expected +
                ")");
}

} // namespace

Millis parse_duration(std::string_view text, const char* option)
{
    constexpr const char* k_expected = "a duration such as 30, 1.5s, 200ms, 2m or 1h30m";
    std::string_view rest = text;
    double total = 0;
    bool bare = false;
    while (!rest.empty()) {
        double value = 0;
        if (bare || !take_number(rest, value)) {
            bad(option, text, k_expected);
        }
        double factor = 1000; // a bare number is seconds
        bare = true;
        for (const auto& unit : k_units) {
            if (rest.starts_with(unit.suffix)) {
                factor = unit.ms;
                rest.remove_prefix(unit.suffix.size());
                bare = false;
                break;
            }
        }
        total += value * factor;
    }
    if (text.empty() || total > 1e15) {
        bad(option, text, k_expected);
    }
    return Millis(static_cast<long long>(std::llround(total)));
}

TimeoutSpec parse_timeout(std::string_view text)
{
    TimeoutSpec spec;
    if (text.ends_with('%')) {
        std::string_view number = text.substr(0, text.size() - 1);
        double value = 0;
        if (!take_number(number, value) || !number.empty() || value <= 0) {
            bad("--timeout", text, "a duration or a percentage such as 200%");
        }
        spec.percent_of_median = value;
        return spec;
    }
    spec.fixed = parse_duration(text, "--timeout");
    if (spec.fixed.count() <= 0) {
        bad("--timeout", text, "a duration above zero");
    }
    return spec;
}

int signal_from_name(std::string_view name)
{
    if (name.starts_with("SIG")) {
        name.remove_prefix(3);
    }
    for (const auto& [text, number] : k_signals) {
        if (name == text) {
            return number;
        }
    }
    int number = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
    bool whole = ec == std::errc() && ptr == name.data() + name.size();
    return whole && number > 0 && number < NSIG ? number : 0;
}

std::string signal_name(int signal)
{
    for (const auto& [text, number] : k_signals) {
        if (number == signal) {
            return std::string(text);
        }
    }
    return std::to_string(signal);
}

TermSeq parse_termseq(std::string_view text)
{
    constexpr const char* k_expected = "SIGNAL,MS[,SIGNAL,MS...] such as TERM,200,KILL,25";
    TermSeq seq;
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        int signal = signal_from_name(rest.substr(0, comma));
        if (signal == 0 || comma == std::string_view::npos) {
            bad("--termseq", text, k_expected);
        }
        rest.remove_prefix(comma + 1);
        double ms = 0;
        if (!take_number(rest, ms) || ms > 1e15 || (!rest.empty() && rest.front() != ',')) {
            bad("--termseq", text, k_expected);
        }
        if (!rest.empty()) {
            rest.remove_prefix(1);
            if (rest.empty()) {
                bad("--termseq", text, k_expected);
            }
        }
        seq.push_back({signal, Millis(static_cast<long long>(ms))});
    }
    if (seq.empty()) {
        bad("--termseq", text, k_expected);
    }
    return seq;
}

} // namespace fanout
