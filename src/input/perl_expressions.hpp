// PerlExpressions: the {= perl =} expressions and --rpl tags of a run, and what the
// layer that evaluates them (a perl co-process) must answer for one job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fanout {

// An --rpl tag: `tag` (which may hold one "(regex)" whose groups the code reads as $$1,
// $$2...) stands for {= code =}, as in GNU parallel.
struct RplTag {
    std::string tag;
    std::string code;
};

// Parses --rpl's "TAG perl code" (split at the first white space, as GNU parallel).
// Throws Error when there is no code.
RplTag parse_rpl(std::string_view text);

// Every expression the command, --tagstring and friends hold, each once: parsing adds
// them, the evaluator compiles them all before any job starts.
class PerlExpressions {
public:
    // The index of `code`, added when new.
    std::size_t add(const std::string& code);
    [[nodiscard]] const std::vector<std::string>& codes() const { return m_codes; }
    [[nodiscard]] bool empty() const { return m_codes.empty(); }

private:
    std::vector<std::string> m_codes;
};

// One evaluation: expression `expression` with $_ set to argument `arg` (1-based in the
// job's @arg; 0: no argument, $_ is empty).
struct PerlCall {
    std::size_t expression = 0;
    std::size_t arg = 0;
    bool operator==(const PerlCall&) const = default;
};

// What one call left in $_, and whether it called uq() (the value goes into a shell
// command line as it is, unquoted).
struct PerlValue {
    std::string text;
    bool unquoted = false;
};

// The job a batch of calls is for: seq(), slot(), total_jobs() and @arg. `last`: the
// batch of its command, after its tag's: a later batch for the same job (a retry, as GNU
// parallel flushes its cache for one) evaluates again.
struct PerlJob {
    const std::vector<std::string>& args;
    std::uint64_t seq = 0;
    std::size_t slot = 0;
    std::optional<std::size_t> total_jobs = std::nullopt;
    bool last = false;
};

// A job's calls and their values; skip: one called skip().
class PerlResults {
public:
    void add(const PerlCall& call, PerlValue value);
    [[nodiscard]] const PerlValue* find(const PerlCall& call) const;
    [[nodiscard]] bool any_unquoted() const { return m_unquoted; }
    [[nodiscard]] bool any_nul() const { return m_nul; }
    [[nodiscard]] std::size_t size() const { return m_values.size(); }

    bool skip = false;

private:
    // -X gives a job thousands of calls: found by key, not by a search.
    std::unordered_map<std::uint64_t, PerlValue> m_values;
    bool m_unquoted = false;
    bool m_nul = false;
};

// A call as one number, for sets and maps of calls.
std::uint64_t key_of(const PerlCall& call);

// Whatever evaluates expressions (the perl co-process). Calls run in the order given,
// and perl's globals carry over from one job to the next. A call repeated within one
// job (the same expression on the same argument) is evaluated once, as GNU parallel
// caches it. Throws Error when it cannot answer (the co-process died, an expression
// died): the run cannot go on with a right command.
class PerlEvaluator {
public:
    PerlEvaluator() = default;
    PerlEvaluator(const PerlEvaluator&) = delete;
    PerlEvaluator& operator=(const PerlEvaluator&) = delete;
    virtual ~PerlEvaluator() = default;
    virtual PerlResults evaluate(const PerlJob& job, const std::vector<PerlCall>& calls) = 0;
};

} // namespace fanout
