// Durations and termination sequences as GNU parallel writes them: "30", "1.5s",
// "200ms", "2m", "1h30m"; "TERM,200,TERM,100,TERM,50,KILL,25".
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

namespace fanout {

using Millis = std::chrono::milliseconds;

// A bare number is seconds. Throws Error naming `option` when text is not a duration.
Millis parse_duration(std::string_view text, const char* option);

// --timeout: a duration, or N% of the median runtime of the jobs finished so far.
struct TimeoutSpec {
    Millis fixed{0};
    double percent_of_median = 0; // > 0: relative
};
TimeoutSpec parse_timeout(std::string_view text);

// One step of a termination sequence: send `signal`, then wait up to `wait`.
struct TermStep {
    int signal;
    Millis wait;
};
using TermSeq = std::vector<TermStep>;

// "TERM,200,KILL,25": signal names (with or without SIG) or numbers, each followed by
// milliseconds. Throws Error on anything else.
TermSeq parse_termseq(std::string_view text);
inline constexpr std::string_view k_default_termseq = "TERM,200,TERM,100,TERM,50,KILL,25";

// Signal number for "TERM", "SIGTERM" or "15"; 0 when unknown.
int signal_from_name(std::string_view name);
// "TERM" for 15 (no SIG prefix, as GNU parallel writes), or the number.
std::string signal_name(int signal);

} // namespace fanout
