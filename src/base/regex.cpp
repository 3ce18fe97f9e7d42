#include "regex.hpp"

#include "error.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>

namespace fanout {

namespace {

// PCRE2's limits bound the work at one start position; ordinary patterns on lines of
// many megabytes stay far below them.
constexpr std::uint32_t k_match_limit = 10'000'000;    // backtracking steps
constexpr std::uint32_t k_depth_limit = 10'000'000;    // nested backtracking points
constexpr std::uint32_t k_heap_limit_kib = 256 * 1024; // the interpreter's backtracking memory
// The JIT's stack grows to this (as memory is touched), for a repeated group over a
// long subject: about 30 bytes per repetition.
constexpr std::size_t k_jit_stack_start = 32 * 1024;
constexpr std::size_t k_jit_stack_max = 256 * 1024 * 1024;
// Work at every start position can add up: \w*\d on a line of letters costs the rest of
// the line at each one (40 s for 200 KB, hours for 10 MB). So a search tries start
// positions a window at a time, and gives up when its time is spent. The windows grow:
// the first is cheap for the usual match nearby, a later one costs at most what all
// before it did.
constexpr std::size_t k_first_window = 64;
constexpr std::size_t k_max_window = 4096;
constexpr std::chrono::seconds k_search_time{10};

std::string pcre2_message(int code)
{
    std::array<PCRE2_UCHAR, 256> buffer{};
    int length = pcre2_get_error_message(code, buffer.data(), buffer.size());
    return length < 0
               ? "PCRE2 error " + std::to_string(code)
               : std::string(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(length));
}

std::string limit_phrase(int code)
{
    switch (code) {
    case PCRE2_ERROR_MATCHLIMIT:
        return "PCRE2's match limit (" + std::to_string(k_match_limit) + " steps) was reached";
    case PCRE2_ERROR_DEPTHLIMIT:
        return "PCRE2's depth limit (" + std::to_string(k_depth_limit) + ") was reached";
    case PCRE2_ERROR_HEAPLIMIT:
        return "PCRE2's memory limit (" + std::to_string(k_heap_limit_kib / 1024) + " MiB) was reached";
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return "PCRE2's JIT stack limit (" + std::to_string(k_jit_stack_max / (1024 * 1024)) +
               " MiB) was reached";
    default:
        return "PCRE2 failed: " + pcre2_message(code);
    }
}

} // namespace

struct Regex::Compiled {
    std::string pattern;
    pcre2_code* code = nullptr;
    std::size_t group_count = 0;

    Compiled() = default;
    Compiled(const Compiled&) = delete;
    Compiled& operator=(const Compiled&) = delete;
    ~Compiled() { pcre2_code_free(code); }
};

// What one search needs besides the pattern: not shared, as a search writes to it.
struct Regex::State {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* jit_stack = nullptr;
    std::string limit_reached;

    explicit State(const pcre2_code* code)
    {
        data = pcre2_match_data_create_from_pattern(code, nullptr);
        context = pcre2_match_context_create(nullptr);
        jit_stack = pcre2_jit_stack_create(k_jit_stack_start, k_jit_stack_max, nullptr);
        if (data == nullptr || context == nullptr || jit_stack == nullptr) {
            release();
            throw std::bad_alloc();
        }
        pcre2_set_match_limit(context, k_match_limit);
        pcre2_set_depth_limit(context, k_depth_limit);
        pcre2_set_heap_limit(context, k_heap_limit_kib);
        pcre2_jit_stack_assign(context, nullptr, jit_stack);
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State() { release(); }

    void release()
    {
        pcre2_match_data_free(data);
        pcre2_match_context_free(context);
        pcre2_jit_stack_free(jit_stack);
    }
};

Regex::Regex(std::string_view pattern, std::string_view what, Flags flags)
{
    auto compiled = std::make_shared<Compiled>();
    compiled->pattern = pattern;
    int error = 0;
    PCRE2_SIZE offset = 0;
    // No PCRE2_UTF: bytes, as GNU parallel's Perl sees input; invalid UTF-8 is text too.
    std::uint32_t options = PCRE2_USE_OFFSET_LIMIT | (flags.multiline ? PCRE2_MULTILINE : 0);
    compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                                   &error, &offset, nullptr);
    if (compiled->code == nullptr) {
        throw Error(std::string(what) + ": " + pcre2_message(error) + " at offset " + std::to_string(offset) +
                    " in '" + compiled->pattern + "'");
    }
    // Without JIT (not built in, or no executable memory) the interpreter does the same.
    std::uint32_t jit = PCRE2_JIT_COMPLETE | (flags.partial ? PCRE2_JIT_PARTIAL_HARD : 0);
    pcre2_jit_compile(compiled->code, jit);
    std::uint32_t groups = 0;
    pcre2_pattern_info(compiled->code, PCRE2_INFO_CAPTURECOUNT, &groups);
    compiled->group_count = groups;
    m_compiled = std::move(compiled);
    m_state = std::make_unique<State>(m_compiled->code);
}

Regex::Regex(const Regex& other)
    : m_compiled(other.m_compiled), m_state(std::make_unique<State>(other.m_compiled->code))
{
}

Regex& Regex::operator=(const Regex& other)
{
    if (this != &other) {
        m_state = std::make_unique<State>(other.m_compiled->code);
        m_compiled = other.m_compiled;
    }
    return *this;
}

Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

Regex::Found Regex::find(std::string_view subject, std::size_t start, Search search)
{
    static const char k_empty = '\0'; // PCRE2 wants a pointer even for no bytes
    auto text = reinterpret_cast<PCRE2_SPTR>(subject.empty() ? &k_empty : subject.data());
    std::uint32_t partial = search.partial ? PCRE2_PARTIAL_HARD : 0;
    std::uint32_t options = partial | (search.not_empty_at_start ? PCRE2_NOTEMPTY_ATSTART : 0);
    std::optional<std::chrono::steady_clock::time_point> deadline; // from the second window on
    std::size_t window = k_first_window;
    for (std::size_t from = start;;
         from += window, window = std::min(2 * window, k_max_window), options = partial) {
        // Matches start in [from, from + window) and may end anywhere after.
        pcre2_set_offset_limit(m_state->context, from + window - 1);
        int rc = pcre2_match(m_compiled->code, text, subject.size(), from, options, m_state->data,
                             m_state->context);
        if (rc >= 0) {
            return Found::match;
        }
        if (rc == PCRE2_ERROR_PARTIAL) {
            return Found::partial;
        }
        if (rc != PCRE2_ERROR_NOMATCH) {
            m_state->limit_reached = limit_phrase(rc);
            return Found::limit;
        }
        if (from + window > subject.size()) {
            return Found::none;
        }
        auto now = std::chrono::steady_clock::now();
        if (!deadline) {
            deadline = now + k_search_time;
        } else if (now > *deadline) {
            m_state->limit_reached =
                "the search took more than " + std::to_string(k_search_time.count()) + " s";
            return Found::limit;
        }
    }
}

Regex::Span Regex::group(std::size_t index) const
{
    if (index >= pcre2_get_ovector_count(m_state->data)) {
        return {};
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(m_state->data);
    if (ovector[2 * index] == PCRE2_UNSET) {
        return {};
    }
    return {ovector[2 * index], ovector[2 * index + 1]};
}

std::size_t Regex::group_count() const
{
    return m_compiled->group_count;
}

const std::string& Regex::pattern() const
{
    return m_compiled->pattern;
}

const std::string& Regex::limit_reached() const
{
    return m_state->limit_reached;
}

Regex::Found perl_split(Regex& regex, std::string_view subject, std::vector<std::string>& fields)
{
    std::size_t field_start = 0;
    // Perl asks each match to end at least one byte past the field's start: an empty
    // match there is no separator (so no empty first field from one, and no endless
    // loop), but one a byte later is.
    while (field_start < subject.size()) {
        Regex::Found found = regex.find(subject, field_start, {.not_empty_at_start = true});
        if (found == Regex::Found::limit) {
            return found;
        }
        if (found != Regex::Found::match) {
            break;
        }
        Regex::Span match = regex.group(0);
        fields.emplace_back(subject.substr(field_start, match.begin - field_start));
        for (std::size_t i = 1; i <= regex.group_count(); ++i) {
            Regex::Span group = regex.group(i);
            fields.emplace_back(group.is_set() ? subject.substr(group.begin, group.end - group.begin) : "");
        }
        field_start = match.end;
    }
    fields.emplace_back(subject.substr(field_start));
    return Regex::Found::none;
}

} // namespace fanout
