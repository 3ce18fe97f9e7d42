#include "output_buffer.hpp"

#include "error.hpp"
#include "write_all.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

namespace fanout {

namespace {

std::string temp_dir()
{
    const char* dir = std::getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

// Copies `size` bytes of `file` to `fd`: sendfile where the kernel can, else read/write.
void copy_file_to(int file, std::size_t size, int fd, const char* what)
{
    off_t offset = 0;
    while (static_cast<std::size_t>(offset) < size) {
        ssize_t n = ::sendfile(fd, file, &offset, size - static_cast<std::size_t>(offset));
        if (n > 0) {
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EPIPE) {
            throw BrokenPipe();
        }
        break; // EINVAL, EAGAIN...: finish the slow way
    }
    std::string chunk(64 * 1024, '\0');
    while (static_cast<std::size_t>(offset) < size) {
        ssize_t n = ::pread(file, chunk.data(), chunk.size(), offset);
        if (n <= 0) {
            throw Error(os_error("reading back held output"));
        }
        write_all(fd, std::string_view(chunk.data(), static_cast<std::size_t>(n)), what);
        offset += n;
    }
}

} // namespace

Fd open_temp_file()
{
    std::string dir = temp_dir();
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        std::string path = dir + "/fanout.XXXXXX";
        fd = ::mkostemp(path.data(), O_CLOEXEC);
        if (fd >= 0) {
            ::unlink(path.c_str());
        }
    }
    if (fd < 0) {
        throw Error(os_error("cannot create a temp file in " + dir + " to hold job output"));
    }
    return Fd(fd);
}

OutputBuffer::OutputBuffer(OutputBuffer&& other) noexcept
    : m_budget(other.m_budget), m_memory(std::move(other.m_memory)), m_file(std::move(other.m_file)),
      m_file_size(std::exchange(other.m_file_size, 0))
{
    other.m_memory.clear();
}

OutputBuffer::~OutputBuffer()
{
    release_memory();
}

void OutputBuffer::release_memory()
{
    m_budget->used -= m_memory.size();
    m_memory.clear();
    bool worth_keeping = m_memory.capacity() >= 64 * 1024 && m_memory.capacity() <= 2 * m_budget->per_buffer;
    if (worth_keeping && m_budget->spare.size() < MemoryBudget::k_max_spare) {
        m_budget->spare.push_back(std::move(m_memory));
    }
    m_memory = std::string();
}

void OutputBuffer::append(std::string_view data)
{
    bool over = m_memory.size() + data.size() > m_budget->per_buffer ||
                m_budget->used + data.size() > m_budget->limit;
    if (!m_file && over) {
        spill();
    }
    if (m_file) {
        write_to_file(data);
        return;
    }
    if (m_memory.capacity() < m_memory.size() + data.size() && !m_budget->spare.empty() && m_memory.empty()) {
        m_memory = std::move(m_budget->spare.back()); // emptied, with its capacity kept
        m_budget->spare.pop_back();
    }
    m_memory += data;
    m_budget->used += data.size();
}

void OutputBuffer::spill()
{
    m_file = open_temp_file();
    if (!m_memory.empty()) {
        write_to_file(m_memory);
        release_memory();
    }
}

// A full disk is an error that names the directory, never a silent loss.
void OutputBuffer::write_to_file(std::string_view data)
{
    try {
        write_all(m_file.get(), data, "temp file");
    } catch (const Error& e) {
        throw Error("cannot hold job output in " + temp_dir() + ": " + e.what());
    }
    m_file_size += data.size();
}

void OutputBuffer::write_to(int fd, const char* what)
{
    if (m_file) {
        copy_file_to(m_file.get(), m_file_size, fd, what);
        m_file.reset();
        m_file_size = 0;
    }
    write_all(fd, m_memory, what);
    release_memory();
}

} // namespace fanout
