// Helpers shared by the unit tests: a temporary directory per test, and running a real
// shell command to read its output.
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace fanout::test {

// A fresh directory for one test, removed afterwards unless the test failed (a listener in
// main.cpp notes failed assertions), so that what a failing test left can be looked at.
class TempDir {
public:
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "fanout-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
        s_failed = false;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir()
    {
        if (s_failed || std::uncaught_exceptions() > 0) {
            std::fprintf(stderr, "kept %s\n", m_path.c_str());
            return;
        }
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::string file(const std::string& name) const { return (m_path / name).string(); }

    // Writes `data` to a file of the directory; returns its path.
    [[nodiscard]] std::string write(const std::string& name, const std::string& data) const
    {
        std::string path = file(name);
        std::ofstream out(path, std::ios::binary);
        out << data;
        REQUIRE(out.good());
        return path;
    }

    // Set by the failure listener when an assertion fails.
    static inline bool s_failed = false;

private:
    std::filesystem::path m_path;
};

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
