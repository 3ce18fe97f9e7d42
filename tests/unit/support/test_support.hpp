// Helpers shared by the unit tests: a temporary directory per test, files and pipes
// standing in for a job's streams, running a real shell command to read its output,
// and string vectors shown in failure messages.
#pragma once

#include "error.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

// Shows string vectors, and vectors of them, in failure messages.
namespace doctest {
template <> struct StringMaker<std::vector<std::string>> {
    static String convert(const std::vector<std::string>& words)
    {
        std::string text = "{";
        for (std::size_t i = 0; i < words.size(); ++i) {
            text += (i == 0 ? "\"" : ", \"") + words[i] + "\"";
        }
        text += "}";
        return text.c_str();
    }
};
template <> struct StringMaker<std::vector<std::vector<std::string>>> {
    static String convert(const std::vector<std::vector<std::string>>& rows)
    {
        String text = "{";
        for (std::size_t i = 0; i < rows.size(); ++i) {
            text += (i == 0 ? "" : ", ");
            text += StringMaker<std::vector<std::string>>::convert(rows[i]);
        }
        text += "}";
        return text;
    }
};
} // namespace doctest

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

// The message of the fanout::Error that `call` throws, or "" when it throws none.
template <typename Call> std::string error_of(Call call)
{
    try {
        call();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// A deadline for something that should happen soon, times FANOUT_TEST_SCALE as the
// end-to-end tests' deadlines (tests/e2e/lib.sh): a slow or busy machine may ask for
// more. A deadline only ends a test that would otherwise hang; no check measures speed.
inline std::chrono::milliseconds scaled(std::chrono::milliseconds limit)
{
    const char* text = std::getenv("FANOUT_TEST_SCALE");
    double scale = text != nullptr ? std::atof(text) : 0;
    return scale > 1
               ? std::chrono::milliseconds(static_cast<long long>(static_cast<double>(limit.count()) * scale))
               : limit;
}

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

// Sets an environment variable for one scope and puts the old value back.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : m_name(name)
    {
        if (const char* old = std::getenv(name)) {
            m_old = old;
        }
        REQUIRE(::setenv(name, value.c_str(), 1) == 0);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    ~ScopedEnv()
    {
        if (m_old) {
            ::setenv(m_name, m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name);
        }
    }

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

// A file in the test's directory standing in for stdout or stderr.
class Capture {
public:
    Capture(const TempDir& dir, const std::string& name)
    {
        m_fd = ::open(dir.file(name).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(m_fd >= 0);
    }
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    ~Capture() { ::close(m_fd); }

    [[nodiscard]] int fd() const { return m_fd; }

    // Everything written so far.
    [[nodiscard]] std::string text() const
    {
        std::string out;
        char buffer[65536];
        off_t offset = 0;
        ssize_t n;
        while ((n = ::pread(m_fd, buffer, sizeof buffer, offset)) > 0) {
            out.append(buffer, static_cast<std::size_t>(n));
            offset += n;
        }
        REQUIRE(n == 0);
        return out;
    }

private:
    int m_fd = -1;
};

// A pipe whose ends the test owns; the read end is handed to the code under test.
struct TestPipe {
    TestPipe()
    {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        read_fd = fds[0];
        write_fd = fds[1];
    }
    TestPipe(const TestPipe&) = delete;
    TestPipe& operator=(const TestPipe&) = delete;
    ~TestPipe()
    {
        close_write();
        if (read_fd >= 0) {
            ::close(read_fd);
        }
    }

    // Gives the read end to a reader that will close it.
    int give_read()
    {
        int fd = read_fd;
        read_fd = -1;
        return fd;
    }

    void write(std::string_view data) const
    {
        while (!data.empty()) {
            ssize_t n = ::write(write_fd, data.data(), data.size());
            REQUIRE(n > 0);
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    void close_write()
    {
        if (write_fd >= 0) {
            ::close(write_fd);
            write_fd = -1;
        }
    }

    int read_fd = -1;
    int write_fd = -1;
};

// Writes `data` into the pipe from another thread, `piece` bytes at a time with a
// pause now and then (so that the reader sees partial records), then closes it.
inline std::thread slow_writer(TestPipe& pipe, std::string data, std::size_t piece)
{
    return std::thread([&pipe, data = std::move(data), piece] {
        std::size_t pieces = 0;
        for (std::size_t at = 0; at < data.size(); at += piece) {
            std::string_view chunk = std::string_view(data).substr(at, piece);
            while (!chunk.empty()) {
                ssize_t n = ::write(pipe.write_fd, chunk.data(), chunk.size());
                if (n <= 0) {
                    return;
                }
                chunk.remove_prefix(static_cast<std::size_t>(n));
            }
            if (++pieces % 8 == 0) {
                std::this_thread::sleep_for(std::chrono::microseconds(300));
            }
        }
        pipe.close_write();
    });
}

} // namespace fanout::test
