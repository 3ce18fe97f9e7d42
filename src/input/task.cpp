#include "task.hpp"

#include "error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <set>

namespace fanout {

namespace {

using nlohmann::json;

constexpr std::string_view k_fields[] = {"id", "cmd", "env", "cwd", "timeout", "retries", "stdin", "tag"};

// A problem with one entry, at a byte offset into its text.
struct Problem {
    std::string message;
    std::size_t offset = 0;
};

// A key as written, with its escapes decoded as the parser decodes them.
std::string decoded_key(std::string_view raw)
{
    json key = json::parse("\"" + std::string(raw) + "\"", nullptr, false);
    return key.is_string() ? key.get<std::string>() : std::string(raw);
}

// Where each top-level key of an object starts, for messages.
std::vector<std::pair<std::string, std::size_t>> key_offsets(std::string_view text)
{
    std::vector<std::pair<std::string, std::size_t>> keys;
    int depth = 0;
    bool expect_key = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '"') {
            std::size_t start = i++;
            while (i < text.size() && text[i] != '"') {
                i += text[i] == '\\' ? 2 : 1;
            }
            if (depth == 1 && expect_key) {
                keys.emplace_back(decoded_key(text.substr(start + 1, i - start - 1)), start);
            }
            expect_key = false;
        } else if (c == '{' || c == '[') {
            ++depth;
            expect_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (c == ',' && depth == 1) {
            expect_key = true;
        }
    }
    return keys;
}

std::string type_name(const json& value)
{
    return value.is_number()    ? "a number"
           : value.is_string()  ? "a string"
           : value.is_array()   ? "an array"
           : value.is_object()  ? "an object"
           : value.is_boolean() ? "a boolean"
                                : "null";
}

Millis timeout_of(const json& value)
{
    if (value.is_number()) {
        double seconds = value.get<double>();
        if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e9) {
            throw Error("\"timeout\" must be a positive number of seconds");
        }
        return Millis(static_cast<Millis::rep>(std::ceil(seconds * 1000)));
    }
    if (value.is_string()) {
        Millis timeout = parse_duration(value.get<std::string>(), "\"timeout\"");
        if (timeout.count() <= 0) {
            throw Error("\"timeout\" must be more than 0");
        }
        return timeout;
    }
    throw Error("\"timeout\" must be seconds (a number) or a duration such as \"1.5s\", not " +
                type_name(value));
}

// A NUL byte would cut a word, a value or a path short where the system reads it.
bool has_nul(const std::string& text)
{
    return text.find('\0') != std::string::npos;
}

void set_command(Task& task, const json& cmd)
{
    if (cmd.is_string()) {
        task.line = cmd.get<std::string>();
        if (task.line.find_first_not_of(" \t\n") == std::string::npos) {
            throw Error("\"cmd\" is empty");
        }
        if (has_nul(task.line)) {
            throw Error("\"cmd\" contains a NUL byte, which no command line can hold");
        }
        return;
    }
    if (!cmd.is_array() || cmd.empty()) {
        throw Error("\"cmd\" must be a command line (a string) or a non-empty array of strings, not " +
                    (cmd.is_array() ? std::string("an empty array") : type_name(cmd)));
    }
    for (const auto& word : cmd) {
        if (!word.is_string()) {
            throw Error("\"cmd\" array holds " + type_name(word) + "; every word must be a string");
        }
        task.argv.push_back(word.get<std::string>());
        if (has_nul(task.argv.back())) {
            throw Error("\"cmd\"[" + std::to_string(task.argv.size() - 1) +
                        "] contains a NUL byte, which no command argument can hold");
        }
    }
    if (task.argv.front().empty()) {
        throw Error("\"cmd\" names no program (its first word is empty)");
    }
}

void set_env(Task& task, const json& env)
{
    if (!env.is_object()) {
        throw Error("\"env\" must be an object of strings, not " + type_name(env));
    }
    for (const auto& [name, value] : env.items()) {
        if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
            throw Error("\"env\": '" + name + "' is not a variable name");
        }
        if (!value.is_string()) {
            throw Error("\"env\": \"" + name + "\" must be a string, not " + type_name(value));
        }
        if (has_nul(value.get<std::string>())) {
            throw Error("\"env\": \"" + name + "\" contains a NUL byte, which no environment value can hold");
        }
        task.env.push_back(name + "=" + value.get<std::string>());
    }
}

std::string string_field(const json& value, const char* name)
{
    if (!value.is_string()) {
        throw Error("\"" + std::string(name) + "\" must be a string, not " + type_name(value));
    }
    return value.get<std::string>();
}

// Checks every field of an object and fills the task; throws Error on the first
// problem, after setting `field` to the field it is about.
void fill_task(Task& task, const json& object, std::string& field, std::string* stdin_data)
{
    for (const auto& [key, value] : object.items()) {
        field = key;
        if (std::find(std::begin(k_fields), std::end(k_fields), key) == std::end(k_fields)) {
            throw Error("unknown field \"" + key +
                        "\" (known: id, cmd, env, cwd, timeout, retries, stdin, tag)");
        }
        if (key == "cmd") {
            set_command(task, value);
        } else if (key == "env") {
            set_env(task, value);
        } else if (key == "cwd") {
            task.cwd = string_field(value, "cwd");
            if (task.cwd.empty()) {
                throw Error("\"cwd\" is empty");
            }
            if (has_nul(task.cwd)) {
                throw Error("\"cwd\" contains a NUL byte, which no directory name can hold");
            }
        } else if (key == "timeout") {
            task.timeout = timeout_of(value);
        } else if (key == "retries") {
            if (!value.is_number_unsigned()) {
                throw Error("\"retries\" must be a whole number of at least 0, not " +
                            (value.is_number() ? value.dump() : type_name(value)));
            }
            task.retries = value.get<std::size_t>();
        } else if (key == "stdin") {
            *stdin_data = string_field(value, "stdin");
        } else if (key == "tag") {
            task.tag = string_field(value, "tag");
        }
    }
    field.clear();
    if (task.line.empty() && task.argv.empty()) {
        throw Error("no \"cmd\": a task needs a command");
    }
}

// The id, read early so that every message can name it.
std::string id_of(const json& object, const std::string& default_id)
{
    auto it = object.find("id");
    if (it == object.end()) {
        return default_id;
    }
    if (it->is_string() && !it->get<std::string>().empty()) {
        return it->get<std::string>();
    }
    if (it->is_number_integer()) {
        return it->dump();
    }
    throw Error("\"id\" must be a non-empty string or an integer, not " + type_name(*it));
}

// The quoted value of a plain "id": "..." at `at` (where "id" starts), if that is one:
// 1 to 200 bytes, no quote or backslash.
std::optional<std::string_view> quoted_id_at(std::string_view text, std::size_t at)
{
    auto skip_space = [&](std::size_t i) {
        while (i < text.size() && std::string_view(" \t\n\v\f\r").find(text[i]) != std::string_view::npos) {
            ++i;
        }
        return i;
    };
    std::size_t i = skip_space(at + 4);
    if (i >= text.size() || text[i] != ':') {
        return std::nullopt;
    }
    i = skip_space(i + 1);
    if (i >= text.size() || text[i] != '"') {
        return std::nullopt;
    }
    std::size_t end = text.find_first_of("\"\\", i + 1);
    if (end == std::string_view::npos || text[end] != '"' || end == i + 1 || end - i - 1 > 200) {
        return std::nullopt;
    }
    return text.substr(i + 1, end - i - 1);
}

// Without a parse, the id as written, when a plain "id": "..." is to be seen.
std::string id_in_text(std::string_view text, const std::string& default_id)
{
    for (std::size_t at = text.find("\"id\""); at != std::string_view::npos;
         at = text.find("\"id\"", at + 1)) {
        if (std::optional<std::string_view> id = quoted_id_at(text, at)) {
            return std::string(*id);
        }
    }
    return default_id;
}

// file:line:column of a byte offset into an entry that starts at `where`.
std::string locate(std::string_view text, const TaskPosition& where, std::size_t offset)
{
    std::size_t line = where.line;
    std::size_t column = where.column;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return where.file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: ".
std::string parse_message(const json::exception& e)
{
    std::string what = e.what();
    std::size_t column = what.find(", column ");
    std::size_t colon = column == std::string::npos ? what.find("] ") : what.find(": ", column);
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Where parsing stops, for the one error nlohmann throws without it: a number too
// large for a double (out_of_range 406).
class ErrorByte : public json::json_sax_t {
public:
    std::size_t byte = 0;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&, const json::exception&) override
    {
        byte = position;
        return false;
    }
};

// The offset where nlohmann stops with an error; `byte` counts from 1, as it does.
std::size_t error_offset(std::size_t byte)
{
    return byte > 0 ? byte - 1 : 0;
}

std::size_t error_offset(std::string_view text)
{
    ErrorByte sax;
    json::sax_parse(text, &sax);
    return error_offset(sax.byte);
}

// The first key given twice in one object, found while parsing: nlohmann keeps the last
// value silently, and another JSON reader may keep the first.
class DuplicateKeys {
public:
    // The parser's callback: keeps every value, notes the keys of each open object.
    bool operator()(int, json::parse_event_t event, json& parsed)
    {
        if (event == json::parse_event_t::object_start) {
            m_open.emplace_back();
        } else if (event == json::parse_event_t::object_end && !m_open.empty()) {
            m_open.pop_back();
        } else if (event == json::parse_event_t::key && !m_open.empty()) {
            note(parsed.get<std::string>());
        }
        return true;
    }

    [[nodiscard]] bool found() const { return !m_key.empty(); }
    // The top-level field the duplicate is, or is inside of.
    [[nodiscard]] const std::string& field() const { return m_key_field; }
    [[nodiscard]] bool nested() const { return m_key != m_key_field; }
    [[nodiscard]] std::string message() const
    {
        return "duplicate key \"" + m_key + "\"" + (nested() ? " in \"" + m_key_field + "\"" : "");
    }

private:
    void note(const std::string& key)
    {
        if (m_open.size() == 1) {
            m_field = key;
        }
        if (!m_open.back().insert(key).second && !found()) {
            m_key = key;
            m_key_field = m_field;
        }
    }

    std::vector<std::set<std::string>> m_open; // the keys of each object being read
    std::string m_field;                       // the top-level key being read
    std::string m_key;
    std::string m_key_field;
};

// Parses `text` into `object`; when it is not JSON, the task that says where and why.
std::optional<Task> parse_json(std::string_view text, const TaskPosition& where,
                               const std::string& default_id, json& object, DuplicateKeys& duplicates)
{
    std::size_t offset = 0;
    std::string problem;
    try {
        object = json::parse(text, std::ref(duplicates));
        offset = text.find('\0');
        if (offset == std::string_view::npos) {
            return std::nullopt;
        }
        // nlohmann takes a NUL byte for the end of the input, and what follows for nothing.
        problem = "a NUL byte after the JSON value";
    } catch (const json::parse_error& e) {
        offset = error_offset(e.byte);
        problem = parse_message(e);
    } catch (const json::out_of_range& e) { // a number too large: the one error without a position
        offset = error_offset(text);
        problem = parse_message(e);
    }
    Task task;
    task.id = id_in_text(text, default_id);
    task.error = locate(text, where, offset) + ": malformed JSON: " + problem + " (task \"" + task.id + "\")";
    return task;
}

// `text` with its control characters written as JSON escapes: a message that names an
// id or key such as "a\nb" stays on one line.
std::string one_line(std::string_view text)
{
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string line;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            line += "\\n";
        } else if (c == '\r') {
            line += "\\r";
        } else if (c == '\t') {
            line += "\\t";
        } else if (byte < 0x20 || byte == 0x7F) {
            line += "\\u00";
            line += k_hex[byte >> 4];
            line += k_hex[byte & 0xF];
        } else {
            line += c;
        }
    }
    return line;
}

// Where the top-level key `field` starts, at its `occurrence` (from 0).
std::optional<std::size_t> field_offset(std::string_view text, const std::string& field,
                                        std::size_t occurrence)
{
    for (const auto& [key, offset] : key_offsets(text)) {
        if (key != field) {
            continue;
        }
        if (occurrence == 0) {
            return offset;
        }
        --occurrence;
    }
    return std::nullopt;
}

Task parse_entry(std::string_view text, const TaskPosition& where, const std::string& default_id,
                 std::string* stdin_data)
{
    Task task;
    task.id = default_id;
    json object;
    DuplicateKeys duplicates;
    if (std::optional<Task> malformed = parse_json(text, where, default_id, object, duplicates)) {
        return *malformed;
    }
    std::size_t start = text.find_first_not_of(" \t\r\n");
    if (!object.is_object()) {
        task.error = locate(text, where, start) + ": a task must be a JSON object, not " + type_name(object) +
                     " (task \"" + default_id + "\")";
        return task;
    }
    std::string field;
    std::size_t occurrence = 0; // of the field's key: the second one for a key given twice
    try {
        field = "id";
        task.id = id_of(object, default_id);
        if (duplicates.found()) {
            field = duplicates.field();
            occurrence = duplicates.nested() ? 0 : 1;
            throw Error(duplicates.message());
        }
        fill_task(task, object, field, stdin_data);
    } catch (const Error& e) {
        task.error = locate(text, where, field_offset(text, field, occurrence).value_or(start)) + ": " +
                     e.what() + " (task \"" + task.id + "\")";
    }
    return task;
}

} // namespace

Task parse_task(std::string_view text, const TaskPosition& where, const std::string& default_id,
                std::string* stdin_data)
{
    Task task = parse_entry(text, where, default_id, stdin_data);
    task.error = one_line(task.error);
    return task;
}

} // namespace fanout
