// PerlCoprocess: the one perl that evaluates a run's {= =} expressions, spoken to over
// a socket in length-prefixed frames, its state (perl's globals) kept from job to job.
#pragma once

#include "aux_process.hpp"
#include "fd.hpp"
#include "frame.hpp"
#include "perl_expressions.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// The perl program (perl_program.cpp), and the one-liner perl starts with, which reads
// it as the first frame (a field) and runs it.
extern const char* const k_perl_program;
extern const char* const k_perl_loader;

class PerlCoprocess : public PerlEvaluator {
public:
    // Starts `perl` (looked up in PATH) and compiles each of `codes`. Throws Error when
    // perl cannot start, or naming the first expression that does not compile.
    explicit PerlCoprocess(const std::vector<std::string>& codes, const std::string& perl = "perl");

    PerlResults evaluate(const PerlJob& job, const std::vector<PerlCall>& calls) override;

    [[nodiscard]] pid_t pid() const { return m_perl.pid(); }

private:
    // Sends a request and waits for its answer. Throws Error when perl has gone.
    std::vector<std::string> exchange(const std::vector<std::string>& request);
    [[noreturn]] void perl_gone();

    std::vector<std::string> m_codes;
    Fd m_perl_end; // perl's end of the channel, until perl has it
    Fd m_channel;
    AuxProcess m_perl;
    Fd m_stops; // stop_signal_fd(): a wait for perl's answer ends on Ctrl-C
};

} // namespace fanout
