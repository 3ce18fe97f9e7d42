// Fuzzes what turns job output into report text: is_valid_utf8 (against a reference
// written from RFC 3629's table), base64 (decoded back), xml_escape, and the joblog
// (read_joblog on arbitrary files; joblog_line read back).
//
// Input: any bytes. They are the text for the first three, a joblog file, and the
// fields of one joblog line (seq, exit code, signal, then the command).
#include "fuzz_support.hpp"

#include "fd.hpp"
#include "joblog.hpp"
#include "json_results.hpp"
#include "junit_report.hpp"
#include "utf8.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace {

// RFC 3629: the byte ranges of each well-formed sequence; nothing else is UTF-8.
struct Form {
    unsigned char lead_low, lead_high;
    unsigned char second_low, second_high;
    std::size_t length;
};
constexpr Form k_forms[] = {
    {0x00, 0x7F, 0, 0, 1},       {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3},
    {0xE1, 0xEC, 0x80, 0xBF, 3}, {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3},
    {0xF0, 0xF0, 0x90, 0xBF, 4}, {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
};

// The length of the well-formed sequence at text[i], 0 when there is none.
std::size_t sequence_length(std::string_view text, std::size_t i)
{
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    for (const Form& form : k_forms) {
        if (at(0) < form.lead_low || at(0) > form.lead_high) {
            continue;
        }
        if (i + form.length > text.size()) {
            return 0;
        }
        if (form.length > 1 && (at(1) < form.second_low || at(1) > form.second_high)) {
            return 0;
        }
        for (std::size_t k = 2; k < form.length; ++k) {
            if (at(k) < 0x80 || at(k) > 0xBF) {
                return 0;
            }
        }
        return form.length;
    }
    return 0;
}

// The code point of the well-formed sequence at text[i] of `length` bytes.
std::uint32_t code_point(std::string_view text, std::size_t i, std::size_t length)
{
    static constexpr unsigned char k_lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    std::uint32_t code = static_cast<unsigned char>(text[i]) & k_lead_mask[length];
    for (std::size_t k = 1; k < length; ++k) {
        code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    return code;
}

bool reference_utf8(std::string_view text)
{
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = sequence_length(text, i);
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

// XML 1.0's Char production.
bool is_xml_char(std::uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

void check_xml(std::string_view text)
{
    std::string xml = fanout::xml_escape(text);
    FUZZ_REQUIRE(reference_utf8(xml));
    FUZZ_REQUIRE(xml.find_first_of("<>\"") == std::string::npos);
    bool plain = reference_utf8(text) && text.find_first_of("<>\"&") == std::string_view::npos;
    for (std::size_t i = 0; i < xml.size();) {
        std::size_t length = sequence_length(xml, i);
        std::uint32_t c = code_point(xml, i, length);
        FUZZ_REQUIRE(is_xml_char(c)); // the header promises: not allowed in XML 1.0, replaced
        plain = plain && c != 0xFFFD;
        if (c == '&') {
            std::string_view rest = std::string_view(xml).substr(i);
            FUZZ_REQUIRE(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;") ||
                         rest.starts_with("&quot;"));
        }
        i += length;
    }
    if (plain) {
        FUZZ_REQUIRE(xml == text); // valid text without markup goes through as it is
    }
}

std::string decode_base64(std::string_view text)
{
    static constexpr std::string_view k_digits =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=') {
            break;
        }
        std::size_t digit = k_digits.find(c);
        FUZZ_REQUIRE(digit != std::string_view::npos);
        bits = (bits << 6) | static_cast<std::uint32_t>(digit);
        count += 6;
        if (count >= 8) {
            count -= 8;
            bytes += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return bytes;
}

void check_base64(std::string_view bytes)
{
    std::string text = fanout::base64(bytes);
    FUZZ_REQUIRE(text.size() == (bytes.size() + 2) / 3 * 4);
    FUZZ_REQUIRE(decode_base64(text) == bytes);
}

// A memfd holding `text`, and its path for code that opens files by name.
class MemFile {
public:
    explicit MemFile(std::string_view text) : m_fd(::memfd_create("fuzz-joblog", MFD_CLOEXEC))
    {
        FUZZ_REQUIRE(m_fd.valid());
        FUZZ_REQUIRE(::write(m_fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }
    [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(m_fd.get()); }

private:
    fanout::Fd m_fd;
};

void check_joblog_file(std::string_view text)
{
    MemFile file(text);
    fanout::JobLogEntries entries = fanout::read_joblog("+" + file.path());
    for (const auto& [seq, job] : entries) {
        FUZZ_REQUIRE(job.command.find('\n') == std::string::npos);
    }
}

// One job's joblog line, read back: what --resume will see of it.
void check_joblog_line(std::string_view bytes)
{
    fanout::JobRecord job;
    std::uint32_t fields[3] = {0, 0, 0};
    std::memcpy(fields, bytes.data(), std::min(sizeof fields, bytes.size()));
    job.seq = fields[0];
    job.exit_code = static_cast<int>(fields[1]);
    job.signal = static_cast<int>(fields[2] & 0x7F);
    job.timed_out = (fields[2] & 0x80) != 0;
    job.runtime = std::chrono::duration<double>(fields[2] >> 8);
    job.command = std::string(bytes.substr(std::min(sizeof fields, bytes.size())));
    MemFile file("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n" +
                 fanout::joblog_line(job));
    fanout::JobLogEntries entries = fanout::read_joblog(file.path());
    FUZZ_REQUIRE(entries.size() == 1 && entries.count(job.seq) == 1);
    const fanout::LoggedJob& logged = entries[job.seq];
    FUZZ_REQUIRE(logged.exit_code == (job.timed_out ? -1 : job.signal != 0 ? 0 : job.exit_code));
    FUZZ_REQUIRE(logged.signal == job.signal);
    std::string command = job.command;
    for (char& c : command) {
        c = c == '\n' || c == '\t' ? ' ' : c;
    }
    FUZZ_REQUIRE(logged.command == command);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    FUZZ_REQUIRE(fanout::is_valid_utf8(text) == reference_utf8(text));
    check_base64(text);
    check_xml(text);
    check_joblog_file(text);
    check_joblog_line(text);
    return 0;
}
