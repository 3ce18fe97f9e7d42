#include "worker_protocol.hpp"

#include "error.hpp"
#include "frame.hpp"

#include <charconv>
#include <initializer_list>
#include <string_view>

namespace fanout {

namespace {

const char* const k_malformed = "a malformed message between fanout and its Slurm worker";

// Reads fields in order, each checked to be there.
class Fields {
public:
    explicit Fields(const std::vector<std::string>& fields) : m_fields(fields) {}

    const std::string& text()
    {
        if (m_next >= m_fields.size()) {
            throw Error(k_malformed);
        }
        return m_fields[m_next++];
    }
    template <typename Number> Number number()
    {
        const std::string& field = text();
        Number value{};
        auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
        if (error != std::errc() || end != field.data() + field.size()) {
            throw Error(k_malformed);
        }
        return value;
    }
    std::vector<std::string> list()
    {
        auto count = number<std::size_t>();
        if (count > m_fields.size() - m_next) {
            throw Error(k_malformed);
        }
        std::vector<std::string> items(m_fields.begin() + static_cast<std::ptrdiff_t>(m_next),
                                       m_fields.begin() + static_cast<std::ptrdiff_t>(m_next + count));
        m_next += count;
        return items;
    }
    // The field is one of `choices`: its index among them.
    std::size_t choice(std::initializer_list<std::string_view> choices)
    {
        const std::string& field = text();
        std::size_t index = 0;
        for (std::string_view choice : choices) {
            if (field == choice) {
                return index;
            }
            ++index;
        }
        throw Error(k_malformed);
    }
    // Nothing follows: a message with more fields than its kind has is not that message.
    void end() const
    {
        if (m_next != m_fields.size()) {
            throw Error(k_malformed);
        }
    }

private:
    const std::vector<std::string>& m_fields;
    std::size_t m_next = 0;
};

void add_list(std::vector<std::string>& fields, const std::vector<std::string>& items)
{
    fields.push_back(std::to_string(items.size()));
    fields.insert(fields.end(), items.begin(), items.end());
}

// "15,200,9,25": what parse_termseq() reads back.
std::string termseq_text(const TermSeq& termseq)
{
    std::string text;
    for (const TermStep& step : termseq) {
        text +=
            (text.empty() ? "" : ",") + std::to_string(step.signal) + "," + std::to_string(step.wait.count());
    }
    return text;
}

std::string framed(const std::vector<std::string>& fields)
{
    return encode_frame(fields) + k_frame_end;
}

} // namespace

std::string encode(const WorkerRequest& request)
{
    using Kind = WorkerRequest::Kind;
    switch (request.kind) {
    case Kind::run: {
        const Command& command = request.command;
        std::vector<std::string> fields{"run",
                                        std::to_string(request.seq),
                                        std::to_string(request.slot),
                                        command.via_shell ? "1" : "0",
                                        command.make_cwd ? "1" : "0",
                                        command.cwd,
                                        command.display};
        add_list(fields, command.argv);
        add_list(fields, command.env);
        return framed(fields);
    }
    case Kind::terminate:
        return framed({"term", std::to_string(request.seq), termseq_text(request.termseq)});
    case Kind::stop:
        return framed({"stop", std::to_string(request.signal), termseq_text(request.termseq)});
    case Kind::kill:
        return framed({"kill"});
    case Kind::signal:
        return framed({"signal", std::to_string(request.signal)});
    case Kind::ack:
        return framed({"ack"});
    }
    return {};
}

std::string encode(const WorkerReport& report)
{
    using Kind = WorkerReport::Kind;
    switch (report.kind) {
    case Kind::hello:
        return framed({"hello", report.protocol, report.node, report.step});
    case Kind::output:
        return framed(
            {"out", std::to_string(report.seq), report.stream == Stream::out ? "1" : "2", report.data});
    case Kind::leaving:
        return framed({"leaving", std::to_string(report.signal)});
    case Kind::exit: {
        const JobExit& exit = report.exit;
        return framed({"exit", std::to_string(report.seq), std::to_string(exit.exit_code),
                       std::to_string(exit.signal), std::to_string(exit.usage.user_cpu.count()),
                       std::to_string(exit.usage.system_cpu.count()),
                       std::to_string(exit.usage.max_rss_kib)});
    }
    }
    return {};
}

WorkerRequest decode_request(const std::vector<std::string>& fields)
{
    Fields in(fields);
    WorkerRequest request;
    const std::string& kind = in.text();
    if (kind == "run") {
        request.kind = WorkerRequest::Kind::run;
        request.seq = in.number<std::uint64_t>();
        request.slot = in.number<std::size_t>();
        request.command.via_shell = in.choice({"0", "1"}) == 1;
        request.command.make_cwd = in.choice({"0", "1"}) == 1;
        request.command.cwd = in.text();
        request.command.display = in.text();
        request.command.argv = in.list();
        request.command.env = in.list();
        if (request.command.argv.empty()) {
            throw Error(k_malformed);
        }
    } else if (kind == "term") {
        request.kind = WorkerRequest::Kind::terminate;
        request.seq = in.number<std::uint64_t>();
        request.termseq = parse_termseq(in.text());
    } else if (kind == "stop") {
        request.kind = WorkerRequest::Kind::stop;
        request.signal = in.number<int>();
        request.termseq = parse_termseq(in.text());
    } else if (kind == "kill") {
        request.kind = WorkerRequest::Kind::kill;
    } else if (kind == "signal") {
        request.kind = WorkerRequest::Kind::signal;
        request.signal = in.number<int>();
    } else if (kind == "ack") {
        request.kind = WorkerRequest::Kind::ack;
    } else {
        throw Error(k_malformed);
    }
    in.end();
    return request;
}

WorkerReport decode_report(const std::vector<std::string>& fields)
{
    Fields in(fields);
    WorkerReport report;
    const std::string& kind = in.text();
    if (kind == "hello") {
        report.kind = WorkerReport::Kind::hello;
        report.protocol = in.text();
        report.node = in.text();
        report.step = in.text();
    } else if (kind == "out") {
        report.kind = WorkerReport::Kind::output;
        report.seq = in.number<std::uint64_t>();
        report.stream = in.choice({"1", "2"}) == 1 ? Stream::err : Stream::out;
        report.data = in.text();
    } else if (kind == "exit") {
        report.kind = WorkerReport::Kind::exit;
        report.seq = in.number<std::uint64_t>();
        report.exit.exit_code = in.number<int>();
        report.exit.signal = in.number<int>();
        report.exit.usage.user_cpu = std::chrono::microseconds(in.number<long long>());
        report.exit.usage.system_cpu = std::chrono::microseconds(in.number<long long>());
        report.exit.usage.max_rss_kib = in.number<long>();
    } else if (kind == "leaving") {
        report.kind = WorkerReport::Kind::leaving;
        report.signal = in.number<int>();
    } else {
        throw Error(k_malformed);
    }
    if (report.kind != WorkerReport::Kind::hello) { // another version's hello may say more
        in.end();
    }
    return report;
}

} // namespace fanout
