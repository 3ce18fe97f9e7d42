#include "json_results.hpp"

#include "duration.hpp"
#include "error.hpp"
#include "rfc3339.hpp"
#include "utf8.hpp"
#include "write_all.hpp"

#include <fcntl.h>

#include <ctime>

namespace fanout {

namespace {

// Seconds, with the microseconds the kernel counted as the fraction.
double seconds(std::chrono::microseconds time)
{
    // One correctly rounded division: the double nearest the exact decimal, so it prints
    // as the kernel's microseconds (whole seconds plus a fraction would round twice).
    return std::chrono::duration<double>(time).count();
}

// Output goes in as a string when it is UTF-8, else base64 in "<name>_base64", so the
// report is always valid JSON and loses no byte.
void add_output(nlohmann::json& object, const char* name, const JobRecord& job, int stream)
{
    const std::string& text = job.output[stream];
    if (is_valid_utf8(text)) {
        object[name] = text;
    } else {
        object[std::string(name) + "_base64"] = base64(text);
    }
    object[std::string(name) + "_truncated"] = job.output_truncated[stream];
}

} // namespace

std::string base64(std::string_view bytes)
{
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) {
            n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        }
        if (i + 2 < bytes.size()) {
            n |= static_cast<unsigned char>(bytes[i + 2]);
        }
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? k_alphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? k_alphabet[n & 63] : '=';
    }
    return out;
}

nlohmann::json job_to_json(const JobRecord& job, bool with_output)
{
    nlohmann::json args = nlohmann::json::array();
    for (const auto& arg : job.args) {
        args.push_back(is_valid_utf8(arg) ? nlohmann::json(arg) : nlohmann::json({{"base64", base64(arg)}}));
    }
    nlohmann::json object = {
        {"seq", job.seq},
        {"slot", job.slot},
        {"host", job.host},
        {"command", is_valid_utf8(job.command) ? nlohmann::json(job.command)
                                               : nlohmann::json({{"base64", base64(job.command)}})},
        {"args", std::move(args)},
        {"start", rfc3339(job.start)},
        {"duration", job.runtime.count()},
        {"exit_code", job.exit_code},
        {"signal", job.signal == 0 ? nlohmann::json(nullptr) : nlohmann::json(signal_name(job.signal))},
        {"timed_out", job.timed_out},
        {"started", job.started},
        {"attempts", job.attempts},
        {"user_cpu", seconds(job.usage.user_cpu)},
        {"system_cpu", seconds(job.usage.system_cpu)},
        {"max_rss_kib", job.usage.max_rss_kib},
        {"stdin_bytes", job.sent},
        {"stdout_bytes", job.bytes[0]},
        {"stderr_bytes", job.bytes[1]},
    };
    if (!job.id.empty()) {
        object["id"] =
            is_valid_utf8(job.id) ? nlohmann::json(job.id) : nlohmann::json({{"base64", base64(job.id)}});
    }
    if (with_output) {
        add_output(object, "stdout", job, 0);
        add_output(object, "stderr", job, 1);
    }
    return object;
}

JsonResults::JsonResults(const std::string& path, bool with_output) : m_with_output(with_output)
{
    if (path != "-") {
        m_file.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
        if (!m_file) {
            throw Error(os_error("--results: cannot open '" + path + "'"));
        }
    }
}

void JsonResults::job_finished(const JobRecord& job)
{
    if (m_file) {
        write_all(m_file.get(), job_to_json(job, m_with_output).dump() + "\n", "results");
    }
}

std::string JsonResults::line_for_stdout(const JobRecord& job) const
{
    return m_file ? std::string() : job_to_json(job, m_with_output).dump() + "\n";
}

} // namespace fanout
