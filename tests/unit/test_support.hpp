// Helpers shared by the unit tests: running a real shell command and reading its output.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace fanout::test {

// Runs `line` with popen (/bin/sh -c line) and returns its stdout; its exit code (128+N
// when killed) goes to `code` when given.
inline std::string popen_output(const std::string& line, int* code = nullptr)
{
    FILE* pipe = ::popen(line.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        out.append(buffer, n);
    }
    int status = ::pclose(pipe);
    if (code != nullptr) {
        *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return out;
}

} // namespace fanout::test
