// Fuzzes TaskList and parse_task (--tasks): any bytes as a task list, JSON Lines or a
// JSON array, read through a memfd and through a pipe written in pieces. Every error
// must be one line naming a line and column of the file; every valid task must hold
// what its JSON says and survive being written back as JSON and parsed again.
//
// Input: a flags byte, then the task list.
//   bit 0: also read it from a pipe written in pieces; it must give the same jobs
//   bit 1: when it is JSON Lines and every entry is JSON, also read its entries as one
//          JSON array; it must give the same tasks and errors, at the array's lines
//   bits 4-7: size of the pieces written to the pipe (at least 1/64 of the list)
#include "fuzz_support.hpp"

#include "error.hpp"
#include "fd.hpp"
#include "task.hpp"
#include "task_list.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <tuple>

namespace {

using fanout::ReadStatus;
using fanout::Task;
using nlohmann::json;

constexpr std::string_view k_blank = " \t\r";
constexpr std::string_view k_fields[] = {"id", "cmd", "env", "cwd", "timeout", "retries", "stdin", "tag"};

// What TaskList gave for one entry, with the file's name taken out of its messages.
struct Job {
    std::uint64_t seq = 0;
    std::size_t line = 0; // of job.origin
    Task task;
    std::string input;
};

auto fields_of(const Task& t)
{
    return std::tie(t.id, t.line, t.argv, t.env, t.cwd, t.timeout, t.retries, t.tag, t.error);
}

bool operator==(const Job& a, const Job& b)
{
    return a.seq == b.seq && a.line == b.line && fields_of(a.task) == fields_of(b.task) && a.input == b.input;
}

void write_whole(int fd, std::string_view data)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        FUZZ_REQUIRE(n > 0); // the harness's own pipe or memfd: cannot fail
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string fd_path(int fd)
{
    return "/proc/self/fd/" + std::to_string(fd);
}

std::optional<std::size_t> whole_number(std::string_view text)
{
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

Job job_of(const fanout::JobSpec& spec, const std::string& name)
{
    FUZZ_REQUIRE(spec.task != nullptr);
    Job job{spec.seq, 0, *spec.task, spec.input ? *spec.input : std::string()};
    std::string_view origin = spec.origin;
    FUZZ_REQUIRE(origin.starts_with(name + " line "));
    std::optional<std::size_t> line = whole_number(origin.substr(name.size() + 6));
    FUZZ_REQUIRE(line.has_value());
    job.line = *line;
    if (!job.task.error.empty()) {
        FUZZ_REQUIRE(job.task.error.starts_with(name + ":"));
        job.task.error.erase(0, name.size() + 1);
    }
    FUZZ_REQUIRE(spec.input == nullptr || !spec.input->empty());
    return job;
}

// Takes every job that is ready; `may_block`: up to the end.
void take_ready(fanout::TaskList& list, const std::string& name, std::vector<Job>& jobs, bool may_block)
{
    fanout::JobSpec spec;
    ReadStatus status;
    while ((status = list.next(spec, may_block)) == ReadStatus::record) {
        jobs.push_back(job_of(spec, name));
        FUZZ_REQUIRE(jobs.back().seq == jobs.size());
    }
    FUZZ_REQUIRE(status == (may_block ? ReadStatus::end : ReadStatus::would_block));
}

std::vector<Job> read_memfd(std::string_view data)
{
    fanout::Fd fd(::memfd_create("fuzz-tasks", MFD_CLOEXEC));
    FUZZ_REQUIRE(fd.valid());
    write_whole(fd.get(), data);
    std::string name = fd_path(fd.get());
    fanout::TaskList list(name);
    std::vector<Job> jobs;
    take_ready(list, name, jobs, true);
    return jobs;
}

// Writes a piece, takes what is ready without blocking, and so on; then ends the pipe.
std::vector<Job> read_pipe(std::string_view data, std::size_t piece)
{
    int ends[2];
    FUZZ_REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    fanout::Fd read_end(ends[0]);
    fanout::Fd write_end(ends[1]);
    std::string name = fd_path(read_end.get());
    fanout::TaskList list(name); // opens a reader of its own
    read_end.reset();
    std::vector<Job> jobs;
    for (std::string_view rest = data; !rest.empty();) {
        std::string_view now = rest.substr(0, piece);
        write_whole(write_end.get(), now); // the pipe is drained each time, so this never blocks
        rest.remove_prefix(now.size());
        take_ready(list, name, jobs, false);
    }
    write_end.reset();
    take_ready(list, name, jobs, true);
    return jobs;
}

// The file's lines as TaskList reads them: as records, a byte order mark skipped.
std::vector<std::string_view> lines_of(std::string_view data)
{
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < data.size();) {
        std::size_t end = std::min(data.find('\n', start), data.size());
        lines.push_back(data.substr(start, end - start));
        start = end + 1;
    }
    if (!lines.empty() && lines.front().starts_with("\xEF\xBB\xBF")) {
        lines.front().remove_prefix(3);
    }
    return lines;
}

struct Located {
    std::size_t line;
    std::size_t column;
    std::string_view message;
};

// "L:C: message" (the file's name taken out): one line, at a place in the file.
Located check_error(std::string_view error, const std::vector<std::string_view>& lines)
{
    FUZZ_REQUIRE(error.find_first_of("\n\r") == std::string_view::npos);
    std::size_t colon = error.find(':');
    std::size_t second = error.find(':', colon + 1);
    FUZZ_REQUIRE(second != std::string_view::npos && error.substr(second).starts_with(": "));
    std::optional<std::size_t> line = whole_number(error.substr(0, colon));
    std::optional<std::size_t> column = whole_number(error.substr(colon + 1, second - colon - 1));
    FUZZ_REQUIRE(line && column);
    FUZZ_REQUIRE(*line >= 1 && *line <= lines.size());
    FUZZ_REQUIRE(*column >= 1 && *column <= lines[*line - 1].size() + 1);
    FUZZ_REQUIRE(error.size() > second + 2);
    return {*line, *column, error.substr(second + 2)};
}

// The message of an error, after its "L:C: ".
std::string_view message_of(std::string_view error)
{
    std::size_t colon = error.find(':', error.find(':') + 1);
    return colon == std::string_view::npos ? error : error.substr(colon + 2);
}

bool is_malformed(std::string_view error)
{
    return message_of(error).starts_with("malformed JSON: ");
}

bool is_array_problem(std::string_view error)
{
    std::string_view message = message_of(error);
    return message == "an empty entry in the JSON array" ||
           message == "text after the end of the JSON array" ||
           message == "the JSON array is not closed with ']'";
}

bool is_known(const std::string& key)
{
    return std::find(std::begin(k_fields), std::end(k_fields), key) != std::end(k_fields);
}

// The task as JSON, as a user could have written it.
json json_of(const Task& task, const std::string& input)
{
    json object = {{"id", task.id}};
    object["cmd"] = task.argv.empty() ? json(task.line) : json(task.argv);
    if (!task.env.empty()) {
        object["env"] = json::object();
        for (const auto& variable : task.env) {
            std::size_t equals = variable.find('=');
            object["env"][variable.substr(0, equals)] = variable.substr(equals + 1);
        }
    }
    if (!task.cwd.empty()) {
        object["cwd"] = task.cwd;
    }
    if (task.timeout) {
        object["timeout"] = std::to_string(task.timeout->count()) + "ms";
    }
    if (task.retries) {
        object["retries"] = *task.retries;
    }
    if (!input.empty()) {
        object["stdin"] = input;
    }
    if (task.tag) {
        object["tag"] = *task.tag;
    }
    return object;
}

// A task without an error: a command, and sane settings; written back, the same task.
void check_valid(const Job& job)
{
    const Task& task = job.task;
    FUZZ_REQUIRE(!task.id.empty());
    FUZZ_REQUIRE(task.line.empty() != task.argv.empty());
    FUZZ_REQUIRE(task.line.empty() || task.line.find_first_not_of(" \t\n") != std::string::npos);
    FUZZ_REQUIRE(task.argv.empty() || !task.argv.front().empty());
    for (const auto& variable : task.env) {
        std::size_t equals = variable.find('=');
        FUZZ_REQUIRE(equals != std::string::npos && equals > 0);
    }
    FUZZ_REQUIRE(!task.timeout || task.timeout->count() > 0);
    std::string text = json_of(task, job.input).dump();
    std::string input;
    Task again = fanout::parse_task(text, {"again", 1, 1}, "default", &input);
    FUZZ_REQUIRE(fields_of(again) == fields_of(task));
    FUZZ_REQUIRE(input == job.input);
}

// A valid task holds what `object`, its entry parsed on its own, says.
void check_against(const Job& job, const json& object)
{
    const Task& task = job.task;
    FUZZ_REQUIRE(object.is_object());
    for (const auto& [key, value] : object.items()) {
        FUZZ_REQUIRE(is_known(key));
    }
    const json& cmd = object.at("cmd");
    FUZZ_REQUIRE(cmd.is_string() ? task.line == cmd.get<std::string>()
                                 : task.argv == cmd.get<std::vector<std::string>>());
    std::vector<std::string> env;
    const json given_env = object.value("env", json::object());
    for (const auto& [name, value] : given_env.items()) {
        env.push_back(name + "=" + value.get<std::string>());
    }
    FUZZ_REQUIRE(task.env == env);
    FUZZ_REQUIRE(task.cwd == object.value("cwd", std::string()));
    FUZZ_REQUIRE(task.timeout.has_value() == object.contains("timeout"));
    FUZZ_REQUIRE(task.retries.has_value() == object.contains("retries"));
    FUZZ_REQUIRE(!task.retries || *task.retries == object.at("retries").get<std::size_t>());
    FUZZ_REQUIRE(job.input == object.value("stdin", std::string()));
    FUZZ_REQUIRE(task.tag.has_value() == object.contains("tag"));
    FUZZ_REQUIRE(!task.tag || *task.tag == object.at("tag").get<std::string>());
    const json id = object.value("id", json(std::to_string(job.seq)));
    FUZZ_REQUIRE(task.id == (id.is_string() ? id.get<std::string>() : id.dump()));
}

// `text` parsed, when it is JSON. nlohmann stops at a NUL byte as at the end; JSON has
// none outside strings, and none unescaped in them.
std::optional<json> parsed(std::string_view text)
{
    if (text.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    try {
        return json::parse(text);
    } catch (const json::exception&) { // parse_error, or out_of_range for a number too large
        return std::nullopt;
    }
}

bool is_array_file(const std::vector<std::string_view>& lines)
{
    for (std::string_view line : lines) {
        std::size_t first = line.find_first_not_of(k_blank);
        if (first != std::string_view::npos) {
            return line[first] == '[';
        }
    }
    return false;
}

// JSON Lines: one entry per line that is not blank, each parsed on its own.
void check_lines(const std::vector<std::string_view>& lines, const std::vector<Job>& jobs)
{
    auto job = jobs.begin();
    for (std::size_t number = 1; number <= lines.size(); ++number) {
        std::string_view line = lines[number - 1];
        if (line.find_first_not_of(k_blank) == std::string_view::npos) {
            continue;
        }
        FUZZ_REQUIRE(job != jobs.end() && job->line == number);
        std::optional<json> object = parsed(line);
        if (!object) {
            FUZZ_REQUIRE(is_malformed(job->task.error));
        } else if (job->task.error.empty()) {
            check_against(*job, *object);
        } else if (object->is_object()) {
            FUZZ_REQUIRE(!is_malformed(job->task.error));
        }
        ++job;
    }
    FUZZ_REQUIRE(job == jobs.end());
}

// A JSON array: when the whole file is valid JSON, one job per element and none
// with malformed JSON; else no promise but the ones for every error.
void check_array(std::string_view data, const std::vector<Job>& jobs)
{
    std::optional<json> array = parsed(data);
    if (!array) {
        return;
    }
    FUZZ_REQUIRE(array->is_array() && array->size() == jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].task.error.empty()) {
            check_against(jobs[i], (*array)[i]);
        } else {
            FUZZ_REQUIRE(!is_malformed(jobs[i].task.error) && !is_array_problem(jobs[i].task.error));
        }
    }
}

void check_jobs(std::string_view data, const std::vector<Job>& jobs)
{
    std::vector<std::string_view> lines = lines_of(data);
    for (const auto& job : jobs) {
        FUZZ_REQUIRE(job.line >= 1 && job.line <= lines.size());
        if (job.task.error.empty()) {
            check_valid(job);
        } else {
            check_error(job.task.error, lines);
            FUZZ_REQUIRE(!job.task.id.empty());
        }
    }
    if (is_array_file(lines)) {
        check_array(data, jobs);
    } else {
        check_lines(lines, jobs);
    }
}

// The entries of a JSON Lines file, each of them JSON, as an array, one per line from
// line 2: the same tasks, the same errors at the same columns.
void check_as_array(std::string_view data, const std::vector<Job>& jobs)
{
    std::vector<std::string_view> lines = lines_of(data);
    if (is_array_file(lines)) {
        return;
    }
    std::string array = "[\n";
    for (const auto& job : jobs) {
        if (!parsed(lines[job.line - 1])) {
            return;
        }
        array += std::string(lines[job.line - 1]) + (&job == &jobs.back() ? "\n" : ",\n");
    }
    array += "]\n";
    std::vector<Job> elements = read_memfd(array);
    check_jobs(array, elements);
    FUZZ_REQUIRE(elements.size() == jobs.size());
    std::vector<std::string_view> array_lines = lines_of(array);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        Job element = elements[i];
        FUZZ_REQUIRE(element.line == i + 2);
        if (!element.task.error.empty()) {
            FUZZ_REQUIRE(!jobs[i].task.error.empty());
            Located in_array = check_error(element.task.error, array_lines);
            Located in_lines = check_error(jobs[i].task.error, lines);
            FUZZ_REQUIRE(in_array.line == i + 2 + (in_lines.line - jobs[i].line));
            FUZZ_REQUIRE(in_array.column == in_lines.column && in_array.message == in_lines.message);
            element.task.error = jobs[i].task.error;
        }
        element.line = jobs[i].line;
        FUZZ_REQUIRE(element == jobs[i]);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size)
{
    std::string_view data = fuzz::as_text(bytes, size);
    unsigned flags = fuzz::take_byte(data);
    std::vector<Job> jobs = read_memfd(data);
    check_jobs(data, jobs);
    if ((flags & 1) != 0) {
        // At most 64 pieces: each read costs RecordReader a 64 KiB buffer.
        std::size_t piece = std::max<std::size_t>(1 + (flags >> 4) * (flags >> 4) * 16, data.size() / 64 + 1);
        FUZZ_REQUIRE(read_pipe(data, piece) == jobs);
    }
    if ((flags & 2) != 0) {
        check_as_array(data, jobs);
    }
    return 0;
}
