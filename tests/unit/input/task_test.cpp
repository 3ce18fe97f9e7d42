#include "error.hpp"
#include "support/test_support.hpp"
#include "task.hpp"
#include "task_list.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using fanout::JobSpec;
using fanout::Millis;
using fanout::parse_task;
using fanout::ReadStatus;
using fanout::Task;
using fanout::TaskList;
using fanout::TaskPosition;

namespace {

using fanout::test::TempDir;

using Words = std::vector<std::string>;

// CHECK that TEXT starts (ends) with PART, showing TEXT when it does not.
#define CHECK_STARTS(text, part)                                                                             \
    do {                                                                                                     \
        std::string checked_text = (text);                                                                   \
        INFO("the text: " << checked_text);                                                                  \
        CHECK(checked_text.starts_with(part));                                                               \
    } while (false)
#define CHECK_ENDS(text, part)                                                                               \
    do {                                                                                                     \
        std::string checked_text = (text);                                                                   \
        INFO("the text: " << checked_text);                                                                  \
        CHECK(checked_text.ends_with(part));                                                                 \
    } while (false)

const TaskPosition k_where{"tasks.jsonl", 3, 1};

// Parses one entry found at the start of line 3 of tasks.jsonl, as the 9th task.
Task parse(const std::string& text, std::string* stdin_data = nullptr)
{
    std::string ignored;
    return parse_task(text, k_where, "9", stdin_data != nullptr ? stdin_data : &ignored);
}

// The error of an entry that must be malformed.
std::string error_of(const std::string& text)
{
    Task task = parse(text);
    CHECK_FALSE(task.error.empty());
    return task.error;
}

// One job from a TaskList, which must have one.
JobSpec next_job(TaskList& list)
{
    JobSpec job;
    REQUIRE(list.next(job, true) == ReadStatus::record);
    REQUIRE(job.task != nullptr);
    return job;
}

// Every job of a task file.
std::vector<JobSpec> all_jobs(const std::string& path)
{
    TaskList list(path);
    std::vector<JobSpec> jobs;
    JobSpec job;
    ReadStatus status;
    while ((status = list.next(job, true)) == ReadStatus::record) {
        REQUIRE(job.task != nullptr);
        CHECK(job.seq == jobs.size() + 1);
        jobs.push_back(job);
    }
    CHECK(status == ReadStatus::end);
    return jobs;
}

} // namespace

// --- parse_task: valid entries ---------------------------------------------------------

TEST_CASE("task: parse_task: a command line")
{
    std::string stdin_data;
    Task task = parse(R"({"cmd": "echo hi | wc -c"})", &stdin_data);
    CHECK(task.error == "");
    CHECK(task.id == "9"); // the default
    CHECK(task.line == "echo hi | wc -c");
    CHECK(task.argv.empty());
    CHECK(task.env.empty());
    CHECK(task.cwd == "");
    CHECK_FALSE(task.timeout.has_value());
    CHECK_FALSE(task.retries.has_value());
    CHECK_FALSE(task.tag.has_value());
    CHECK(stdin_data == "");
}

TEST_CASE("task: parse_task: an argv array, every word kept as it is")
{
    Task task = parse(R"json({"cmd": ["printf", "%s\n", "a b", "", "$(x)", "`y`", "l1\nl2", "\u00e9"]})json");
    CHECK(task.error == "");
    CHECK(task.line == "");
    CHECK(task.argv == Words{"printf", "%s\n", "a b", "", "$(x)", "`y`", "l1\nl2", "\xc3\xa9"});
}

TEST_CASE("task: parse_task: every field")
{
    std::string stdin_data;
    Task task = parse(R"({"id": "build-1", "cmd": ["make"], "env": {"B": "two", "A": "1", "E": ""},
                          "cwd": "src/lib", "timeout": 0.3, "retries": 2, "stdin": "in\u0000put",
                          "tag": "T"})",
                      &stdin_data);
    CHECK(task.error == "");
    CHECK(task.id == "build-1");
    CHECK(task.argv == Words{"make"});
    Words env = task.env;
    std::sort(env.begin(), env.end());
    CHECK(env == Words{"A=1", "B=two", "E="});
    CHECK(task.cwd == "src/lib");
    REQUIRE(task.timeout.has_value());
    CHECK(*task.timeout == Millis(300));
    REQUIRE(task.retries.has_value());
    CHECK(*task.retries == 2);
    CHECK(stdin_data == std::string("in\0put", 6));
    REQUIRE(task.tag.has_value());
    CHECK(*task.tag == "T");
}

TEST_CASE("task: parse_task: ids")
{
    CHECK(parse(R"({"id": "a b", "cmd": "x"})").id == "a b");
    CHECK(parse(R"({"id": 7, "cmd": "x"})").id == "7");
    CHECK(parse(R"({"id": -3, "cmd": "x"})").id == "-3");
    CHECK(parse(R"({"cmd": "x", "id": 0})").id == "0");
    CHECK(parse(R"({"cmd": "x"})").id == "9");
}

TEST_CASE("task: parse_task: timeouts: seconds or a duration")
{
    CHECK(*parse(R"({"cmd": "x", "timeout": 2})").timeout == Millis(2000));
    CHECK(*parse(R"({"cmd": "x", "timeout": 1.5})").timeout == Millis(1500));
    CHECK(*parse(R"({"cmd": "x", "timeout": 0.0001})").timeout == Millis(1)); // rounded up, never 0
    CHECK(*parse(R"({"cmd": "x", "timeout": "1.5s"})").timeout == Millis(1500));
    CHECK(*parse(R"({"cmd": "x", "timeout": "200ms"})").timeout == Millis(200));
    CHECK(*parse(R"({"cmd": "x", "timeout": "2m"})").timeout == Millis(120000));
    CHECK(*parse(R"({"cmd": "x", "timeout": "30"})").timeout == Millis(30000));
}

TEST_CASE("task: parse_task: retries, tag and whitespace")
{
    CHECK(*parse(R"({"cmd": "x", "retries": 0})").retries == 0);
    CHECK(*parse(R"({"cmd": "x", "tag": ""})").tag == "");
    Task task = parse(" \t{ \"cmd\" :\n \"x\" ,\r\n \"retries\" : 4 }\r");
    CHECK(task.error == "");
    CHECK(task.line == "x");
    CHECK(*task.retries == 4);
}

// --- parse_task: malformed entries ---------------------------------------------------------

TEST_CASE("task: parse_task: an unknown field, at its column, with the id")
{
    CHECK(
        error_of(R"({"id": "t1", "cmd": "x", "bogus": 1})") ==
        R"(tasks.jsonl:3:26: unknown field "bogus" (known: id, cmd, env, cwd, timeout, retries, stdin, tag) (task "t1"))");
    // The default id when there is none.
    CHECK(
        error_of(R"({"cmd": "x", "bogus": 1})") ==
        R"(tasks.jsonl:3:14: unknown field "bogus" (known: id, cmd, env, cwd, timeout, retries, stdin, tag) (task "9"))");
}

TEST_CASE("task: parse_task: the column is the field's, not a string's or a nested key's")
{
    // "bogus" as a string value and as a key of env come first; the field is at 66.
    CHECK_STARTS(error_of(R"({"cmd": "\"bogus\": 1", "stdin": "bogus", "env": {"bogus": "1"}, "bogus": 2})"),
                 "tasks.jsonl:3:66: unknown field \"bogus\"");
    CHECK_STARTS(error_of(R"({"cmd": "x", "env": {"A": 1}})"),
                 "tasks.jsonl:3:14: \"env\": \"A\" must be a string");
}

TEST_CASE("task: parse_task: the column of a key written with escapes")
{
    // "\u0062ogus" is "bogus": the key starts at column 14 all the same.
    CHECK_STARTS(error_of(R"({"cmd": "x", "\u0062ogus": 1})"), "tasks.jsonl:3:14: unknown field \"bogus\"");
    CHECK_STARTS(error_of(R"({"cmd": "x", "a\"b": 1})"), "tasks.jsonl:3:14: unknown field \"a\"b\"");
}

TEST_CASE("task: parse_task: positions count lines and columns from where the entry starts")
{
    TaskPosition where{"list.json", 10, 5};
    std::string ignored;
    // On the entry's first line, columns count from its start column.
    Task first = parse_task(R"({"cmd": "x", "bad": 1})", where, "2", &ignored);
    CHECK_STARTS(first.error, "list.json:10:18: unknown field \"bad\"");
    // On later lines, from 1.
    Task later = parse_task("{\"id\": \"m\",\n  \"cmd\": \"x\",\n\t\"bad\": 1}", where, "2", &ignored);
    CHECK_STARTS(later.error, "list.json:12:2: unknown field \"bad\"");
    CHECK_ENDS(later.error, "(task \"m\")");
}

TEST_CASE("task: parse_task: wrong types")
{
    struct Case {
        const char* text;
        const char* error;
    };
    const Case cases[] = {
        {R"({"cmd": 5})",
         R"(tasks.jsonl:3:2: "cmd" must be a command line (a string) or a non-empty array of strings, not a number (task "9"))"},
        {R"({"cmd": true})",
         R"(tasks.jsonl:3:2: "cmd" must be a command line (a string) or a non-empty array of strings, not a boolean (task "9"))"},
        {R"({"cmd": null})",
         R"(tasks.jsonl:3:2: "cmd" must be a command line (a string) or a non-empty array of strings, not null (task "9"))"},
        {R"({"cmd": {}})",
         R"(tasks.jsonl:3:2: "cmd" must be a command line (a string) or a non-empty array of strings, not an object (task "9"))"},
        {R"({"cmd": []})",
         R"(tasks.jsonl:3:2: "cmd" must be a command line (a string) or a non-empty array of strings, not an empty array (task "9"))"},
        {R"({"cmd": ["a", 1]})",
         R"(tasks.jsonl:3:2: "cmd" array holds a number; every word must be a string (task "9"))"},
        {R"({"cmd": ["a", ["b"]]})",
         R"(tasks.jsonl:3:2: "cmd" array holds an array; every word must be a string (task "9"))"},
        {R"({"cmd": ["", "a"]})",
         R"(tasks.jsonl:3:2: "cmd" names no program (its first word is empty) (task "9"))"},
        {R"({"cmd": ""})", R"(tasks.jsonl:3:2: "cmd" is empty (task "9"))"},
        {R"({"cmd": " \t\n "})", R"(tasks.jsonl:3:2: "cmd" is empty (task "9"))"},
        {R"({"id": "e", "env": "A=1", "cmd": "x"})",
         R"(tasks.jsonl:3:13: "env" must be an object of strings, not a string (task "e"))"},
        {R"({"id": "e", "env": {"A": null}, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "env": "A" must be a string, not null (task "e"))"},
        {R"({"id": "e", "env": {"": "x"}, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "env": '' is not a variable name (task "e"))"},
        {R"({"id": "e", "env": {"A=B": "x"}, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "env": 'A=B' is not a variable name (task "e"))"},
        {R"({"id": "c", "cwd": 1, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "cwd" must be a string, not a number (task "c"))"},
        {R"({"id": "c", "cwd": "", "cmd": "x"})", R"(tasks.jsonl:3:13: "cwd" is empty (task "c"))"},
        {R"({"id": "t", "timeout": -1, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "timeout" must be a positive number of seconds (task "t"))"},
        {R"({"id": "t", "timeout": 0, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "timeout" must be a positive number of seconds (task "t"))"},
        {R"({"id": "t", "timeout": "0s", "cmd": "x"})",
         R"(tasks.jsonl:3:13: "timeout" must be more than 0 (task "t"))"},
        {R"({"id": "t", "timeout": [1], "cmd": "x"})",
         R"(tasks.jsonl:3:13: "timeout" must be seconds (a number) or a duration such as "1.5s", not an array (task "t"))"},
        {R"({"id": "r", "retries": -1, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "retries" must be a whole number of at least 0, not -1 (task "r"))"},
        {R"({"id": "r", "retries": 1.5, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "retries" must be a whole number of at least 0, not 1.5 (task "r"))"},
        {R"({"id": "r", "retries": "2", "cmd": "x"})",
         R"(tasks.jsonl:3:13: "retries" must be a whole number of at least 0, not a string (task "r"))"},
        {R"({"id": "s", "stdin": 1, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "stdin" must be a string, not a number (task "s"))"},
        {R"({"id": "g", "tag": false, "cmd": "x"})",
         R"(tasks.jsonl:3:13: "tag" must be a string, not a boolean (task "g"))"},
        {R"({"id": true, "cmd": "x"})",
         R"(tasks.jsonl:3:2: "id" must be a non-empty string or an integer, not a boolean (task "9"))"},
        {R"({"cmd": "x", "id": ""})",
         R"(tasks.jsonl:3:14: "id" must be a non-empty string or an integer, not a string (task "9"))"},
        {R"({"cmd": "x", "id": 1.5})",
         R"(tasks.jsonl:3:14: "id" must be a non-empty string or an integer, not a number (task "9"))"},
        {R"({"cmd": "x", "id": {}})",
         R"(tasks.jsonl:3:14: "id" must be a non-empty string or an integer, not an object (task "9"))"},
        {R"({"id": "n", "env": {}})", R"(tasks.jsonl:3:1: no "cmd": a task needs a command (task "n"))"},
        {R"(  {})", R"(tasks.jsonl:3:3: no "cmd": a task needs a command (task "9"))"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(error_of(c.text) == c.error);
    }
}

TEST_CASE("task: parse_task: a NUL byte where the system would cut the text short")
{
    CHECK(error_of(R"({"id": "x", "cmd": ["echo", "keep\u0000.bak"]})") ==
          R"(tasks.jsonl:3:13: "cmd"[1] contains a NUL byte, which no command argument can hold (task "x"))");
    CHECK(error_of(R"({"cmd": "echo keep\u0000.bak"})") ==
          R"(tasks.jsonl:3:2: "cmd" contains a NUL byte, which no command line can hold (task "9"))");
    CHECK(
        error_of(R"({"cmd": "x", "env": {"A": "1", "B": "x\u0000y"}})") ==
        R"(tasks.jsonl:3:14: "env": "B" contains a NUL byte, which no environment value can hold (task "9"))");
    CHECK(error_of(R"({"cmd": "x", "cwd": "/tmp\u0000/nonexistent"})") ==
          R"(tasks.jsonl:3:14: "cwd" contains a NUL byte, which no directory name can hold (task "9"))");
    SUBCASE("where it reaches no system call, it is fine")
    {
        CHECK(parse(R"({"cmd": "x", "id": "a\u0000b", "tag": "t\u0000", "stdin": "\u0000"})").error.empty());
    }
}

TEST_CASE("task: parse_task: a key given twice, at the second one")
{
    CHECK(error_of(R"({"id": "x", "cmd": ["a"], "cmd": ["b"]})") ==
          R"(tasks.jsonl:3:27: duplicate key "cmd" (task "x"))");
    // Before any other problem: which of the two values counts is unclear.
    CHECK(error_of(R"({"bogus": 1, "cmd": "a", "cmd": 5})") ==
          R"(tasks.jsonl:3:26: duplicate key "cmd" (task "9"))");
    SUBCASE("inside env: at the field")
    {
        CHECK(error_of(R"({"cmd": "x", "env": {"A": "1", "B": "2", "A": "3"}})") ==
              R"(tasks.jsonl:3:14: duplicate key "A" in "env" (task "9"))");
    }
    SUBCASE("the first duplicate is named")
    {
        CHECK_STARTS(error_of(R"({"env": {"B": "1", "B": "2"}, "cmd": "x", "cmd": "y"})"),
                     R"(tasks.jsonl:3:2: duplicate key "B" in "env")");
    }
    SUBCASE("the same key in different objects is fine")
    {
        CHECK(parse(R"({"cmd": "x", "env": {"cmd": "1", "env": "2"}})").error.empty());
    }
}

TEST_CASE("task: parse_task: a timeout that is not a duration names the field")
{
    std::string error = error_of(R"({"id": "t", "cmd": "x", "timeout": "soon"})");
    CHECK_STARTS(error, "tasks.jsonl:3:25: \"timeout\": invalid value 'soon'");
    CHECK_ENDS(error, "(task \"t\")");
}

TEST_CASE("task: parse_task: not an object")
{
    CHECK(error_of("[1, 2]") == R"(tasks.jsonl:3:1: a task must be a JSON object, not an array (task "9"))");
    CHECK(error_of(R"("echo hi")") ==
          R"(tasks.jsonl:3:1: a task must be a JSON object, not a string (task "9"))");
    CHECK(error_of("  42") == R"(tasks.jsonl:3:3: a task must be a JSON object, not a number (task "9"))");
    CHECK(error_of("null") == R"(tasks.jsonl:3:1: a task must be a JSON object, not null (task "9"))");
    // Even when the array holds what looks like an id.
    CHECK_ENDS(error_of(R"([{"id": "x", "cmd": "y"}])"), "(task \"9\")");
}

TEST_CASE("task: parse_task: malformed JSON: where the parser stopped, the id when it can be seen")
{
    std::string truncated = error_of(R"({"id": "m", "cmd": "x")");
    CHECK_STARTS(truncated, "tasks.jsonl:3:23: malformed JSON: ");
    CHECK(truncated.find("unexpected end of input") != std::string::npos);
    CHECK_ENDS(truncated, "(task \"m\")");
    std::string trailing = error_of(R"({"id": "m", "cmd": "x",})");
    CHECK_STARTS(trailing, "tasks.jsonl:3:24: malformed JSON: ");
    std::string second = error_of(R"({"cmd": "x"} {"cmd": "y"})");
    CHECK_STARTS(second, "tasks.jsonl:3:14: malformed JSON: ");
    CHECK_ENDS(second, "(task \"9\")");
    std::string unquoted = error_of(R"({cmd: "x"})");
    CHECK_STARTS(unquoted, "tasks.jsonl:3:2: malformed JSON: ");
    // No "[json.exception..." prefix and no position of the parser's own.
    CHECK(truncated.find("json.exception") == std::string::npos);
    CHECK(truncated.find("line 1") == std::string::npos);
    std::string multiline = error_of("{\"id\": \"ml\",\n \"cmd\": \"x\"\n \"retries\": 1}");
    CHECK_STARTS(multiline, "tasks.jsonl:5:");
    CHECK_ENDS(multiline, "(task \"ml\")");
}

// --- TaskList ------------------------------------------------------------------------------

TEST_CASE("task list: JSON Lines, blank lines skipped, each entry one job")
{
    TempDir dir;
    std::string path = dir.write("tasks.jsonl", "{\"id\": \"a\", \"cmd\": \"echo a\"}\n"
                                                "\n"
                                                "   \t\r\n"
                                                "{\"cmd\": [\"echo\", \"b\"], \"stdin\": \"fed\"}\r\n"
                                                "{\"cmd\": \"c\", \"tag\": \"T\"}");
    std::vector<JobSpec> jobs = all_jobs(path);
    REQUIRE(jobs.size() == 3);
    CHECK(jobs[0].task->id == "a");
    CHECK(jobs[0].task->line == "echo a");
    CHECK(jobs[0].origin == path + " line 1");
    CHECK(jobs[0].input == nullptr);
    CHECK(jobs[0].args.empty());
    CHECK(jobs[1].task->id == "2"); // the task's number, not its line's
    CHECK(jobs[1].task->argv == Words{"echo", "b"});
    CHECK(jobs[1].origin == path + " line 4");
    REQUIRE(jobs[1].input != nullptr);
    CHECK(*jobs[1].input == "fed");
    CHECK(jobs[2].task->id == "3");
    CHECK(*jobs[2].task->tag == "T");
    CHECK(jobs[2].origin == path + " line 5");
    for (const auto& job : jobs) {
        CHECK(job.task->error == "");
    }
}

TEST_CASE("task list: an empty file, or blank lines only, has no task")
{
    TempDir dir;
    CHECK(all_jobs(dir.write("empty.jsonl", "")).empty());
    CHECK(all_jobs(dir.write("blank.jsonl", "\n \n\t\n")).empty());
    CHECK(all_jobs(dir.write("empty.json", "[]")).empty());
    CHECK(all_jobs(dir.write("empty2.json", " [\n\n ]\n")).empty());
}

TEST_CASE("task list: a malformed line is a job that carries its error, the others are fine")
{
    TempDir dir;
    std::string path = dir.write("t.jsonl", "{\"cmd\": \"a\"}\n"
                                            "{\"id\": \"bad\", \"cmd\": 1}\n"
                                            "not json\n"
                                            "{\"cmd\": \"d\"}\n");
    std::vector<JobSpec> jobs = all_jobs(path);
    REQUIRE(jobs.size() == 4);
    CHECK(jobs[0].task->error == "");
    CHECK(jobs[1].task->id == "bad");
    CHECK_STARTS(jobs[1].task->error, path + ":2:15: \"cmd\" must be");
    CHECK(jobs[2].task->id == "3");
    CHECK_STARTS(jobs[2].task->error, path + ":3:");
    CHECK(jobs[2].task->error.find("malformed JSON") != std::string::npos);
    CHECK(jobs[3].task->error == "");
    CHECK(jobs[3].task->line == "d");
}

TEST_CASE("task list: a JSON array, elements over several lines, strings with brackets and commas")
{
    TempDir dir;
    std::string path =
        dir.write("tasks.json", "[\n"
                                "  {\"id\": \"a\", \"cmd\": [\"x ] , } { [ \\\" y\", \"\\\\\"]},\n"
                                "  {\n"
                                "    \"id\": \"b\",\n"
                                "    \"cmd\": \"echo '[b, c]'\"\n"
                                "  }\n"
                                "  ,{\"cmd\": \"c\", \"env\": {\"A\": \"}{\"}}, {\"cmd\": \"d\"}\n"
                                "]\n");
    std::vector<JobSpec> jobs = all_jobs(path);
    REQUIRE(jobs.size() == 4);
    CHECK(jobs[0].task->id == "a");
    CHECK(jobs[0].task->argv == Words{"x ] , } { [ \" y", "\\"});
    CHECK(jobs[0].origin == path + " line 2");
    CHECK(jobs[1].task->id == "b");
    CHECK(jobs[1].task->line == "echo '[b, c]'");
    CHECK(jobs[1].origin == path + " line 3");
    CHECK(jobs[2].task->id == "3");
    CHECK(jobs[2].task->env == Words{"A=}{"});
    CHECK(jobs[2].origin == path + " line 7");
    CHECK(jobs[3].task->line == "d");
    for (const auto& job : jobs) {
        CHECK(job.task->error == "");
    }
}

TEST_CASE("task list: a JSON array on one line, after blank lines and a UTF-8 BOM")
{
    TempDir dir;
    std::vector<JobSpec> jobs =
        all_jobs(dir.write("bom.json", "\xEF\xBB\xBF\n\n  [{\"cmd\": \"a\"},{\"cmd\": \"b\"}]  \n"));
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].task->line == "a");
    CHECK(jobs[1].task->line == "b");
    CHECK(jobs[1].task->error == "");
    std::vector<JobSpec> lines = all_jobs(dir.write("bom.jsonl", "\xEF\xBB\xBF{\"cmd\": \"a\"}\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].task->error == "");
}

TEST_CASE("task list: an error inside an array element is placed in the file")
{
    TempDir dir;
    std::string path = dir.write("t.json", "[\n"
                                           "  {\"id\": \"x\",\n"
                                           "   \"cmd\": \"true\",\n"
                                           "   \"bogus\": 1},\n"
                                           "\t{\"id\":\"y\",\"cmd\":\"true\", \"cwd\": 3}\n"
                                           "]\n");
    std::vector<JobSpec> jobs = all_jobs(path);
    REQUIRE(jobs.size() == 2);
    CHECK_STARTS(jobs[0].task->error, path + ":4:4: unknown field \"bogus\"");
    CHECK_ENDS(jobs[0].task->error, "(task \"x\")");
    CHECK(jobs[1].task->error == path + ":5:26: \"cwd\" must be a string, not a number (task \"y\")");
}

TEST_CASE("task list: problems of the array itself")
{
    TempDir dir;
    SUBCASE("an empty entry")
    {
        std::string path = dir.write("t.json", "[{\"cmd\": \"a\"},,{\"cmd\": \"b\"}]");
        std::vector<JobSpec> jobs = all_jobs(path);
        REQUIRE(jobs.size() == 3);
        CHECK(jobs[0].task->error == "");
        CHECK(jobs[1].task->error == path + ":1:15: an empty entry in the JSON array");
        CHECK(jobs[1].task->id == "2");
        CHECK(jobs[2].task->line == "b");
    }
    SUBCASE("a comma before the closing bracket")
    {
        std::string path = dir.write("t.json", "[{\"cmd\": \"a\"},\n]");
        std::vector<JobSpec> jobs = all_jobs(path);
        REQUIRE(jobs.size() == 2);
        CHECK(jobs[1].task->error == path + ":2:1: an empty entry in the JSON array");
    }
    SUBCASE("text after the end")
    {
        std::string path = dir.write("t.json", "[{\"cmd\": \"a\"}]\n  x y\n[{\"cmd\": \"b\"}]\n");
        std::vector<JobSpec> jobs = all_jobs(path);
        REQUIRE(jobs.size() == 2); // reported once
        CHECK(jobs[0].task->line == "a");
        CHECK(jobs[1].task->error == path + ":2:3: text after the end of the JSON array");
    }
    SUBCASE("not closed")
    {
        std::string path = dir.write("t.json", "[{\"cmd\": \"a\"},\n {\"cmd\": \"b\"}\n");
        std::vector<JobSpec> jobs = all_jobs(path);
        REQUIRE(jobs.size() == 3);
        CHECK(jobs[0].task->line == "a");
        CHECK(jobs[1].task->line == "b");
        CHECK(jobs[2].task->error == path + ":2:13: the JSON array is not closed with ']'");
    }
    SUBCASE("not closed, inside an element")
    {
        std::string path = dir.write("t.json", "[{\"cmd\": \"a\"},\n {\"cmd\": \"b\"");
        std::vector<JobSpec> jobs = all_jobs(path);
        REQUIRE(jobs.size() == 3);
        CHECK(jobs[1].task->error.find("malformed JSON") != std::string::npos);
        CHECK_ENDS(jobs[2].task->error, "the JSON array is not closed with ']'");
    }
    SUBCASE("elements that are not objects")
    {
        std::string path = dir.write("t.json", "[1, \"s\", null, [\"cmd\"]]");
        std::vector<JobSpec> jobs = all_jobs(path);
        REQUIRE(jobs.size() == 4);
        CHECK(jobs[0].task->error == path + ":1:2: a task must be a JSON object, not a number (task \"1\")");
        CHECK(jobs[1].task->error == path + ":1:5: a task must be a JSON object, not a string (task \"2\")");
        CHECK(jobs[2].task->error == path + ":1:10: a task must be a JSON object, not null (task \"3\")");
        CHECK(jobs[3].task->error == path + ":1:16: a task must be a JSON object, not an array (task \"4\")");
    }
}

TEST_CASE("task list: the stdin field is the job's input, a task without it has none")
{
    TempDir dir;
    std::vector<JobSpec> jobs = all_jobs(dir.write(
        "t.json", R"([{"cmd": "cat", "stdin": "a\nb\n"}, {"cmd": "cat"}, {"cmd": "cat", "stdin": ""}])"));
    REQUIRE(jobs.size() == 3);
    REQUIRE(jobs[0].input != nullptr);
    CHECK(*jobs[0].input == "a\nb\n");
    CHECK(jobs[1].input == nullptr);
    CHECK((jobs[2].input == nullptr || jobs[2].input->empty()));
}

TEST_CASE("task list: a file that cannot be read is an error naming it")
{
    TempDir dir;
    std::string missing = dir.file("missing.jsonl");
    CHECK_THROWS_WITH_AS(TaskList{missing}, doctest::Contains(missing.c_str()), fanout::Error);
}

TEST_CASE("task list: 10,000 entries of an array are streamed, in order")
{
    TempDir dir;
    std::string text = "[\n";
    for (int i = 1; i <= 10000; ++i) {
        text +=
            "  {\"id\": \"t" + std::to_string(i) + "\", \"cmd\": [\"true\"]}" + (i < 10000 ? ",\n" : "\n");
    }
    text += "]\n";
    std::vector<JobSpec> jobs = all_jobs(dir.write("many.json", text));
    REQUIRE(jobs.size() == 10000);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].task->id != "t" + std::to_string(i + 1) || !jobs[i].task->error.empty()) {
            FAIL_CHECK("task " << i + 1 << ": id " << jobs[i].task->id << ", error " << jobs[i].task->error);
            break;
        }
    }
}

TEST_CASE("task list: read from a pipe without blocking, a line at a time")
{
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    TaskList list("/dev/fd/" + std::to_string(fds[0]));
    ::close(fds[0]); // TaskList opened its own descriptor
    CHECK(list.wait_fd() >= 0);
    JobSpec job;
    CHECK(list.next(job, false) == ReadStatus::would_block);
    std::string first = "{\"id\": \"p\", \"cmd\": \"a\"}\n{\"cmd\":";
    REQUIRE(::write(fds[1], first.data(), first.size()) == static_cast<ssize_t>(first.size()));
    REQUIRE(list.next(job, false) == ReadStatus::record);
    CHECK(job.task->id == "p");
    CHECK(list.next(job, false) == ReadStatus::would_block); // half a line
    std::string rest = " \"b\"}\n";
    REQUIRE(::write(fds[1], rest.data(), rest.size()) == static_cast<ssize_t>(rest.size()));
    ::close(fds[1]);
    job = next_job(list);
    CHECK(job.task->line == "b");
    CHECK(job.task->error == "");
    CHECK(list.next(job, false) == ReadStatus::end);
}
