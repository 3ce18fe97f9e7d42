#include "record_reader.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fanout {

namespace {
constexpr std::size_t k_read_size = 64 * 1024;
}

RecordReader::RecordReader(int fd, bool owned, std::string name, char delimiter)
    : m_owned(owned ? fd : -1), m_fd(fd), m_name(std::move(name)), m_delimiter(delimiter)
{
}

RecordReader RecordReader::open(const std::string& path, char delimiter)
{
    if (path == "-") {
        return RecordReader(STDIN_FILENO, false, "stdin", delimiter);
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw Error(os_error("cannot read '" + path + "'"));
    }
    return RecordReader(fd, true, path, delimiter);
}

ReadStatus RecordReader::next(std::string& record, bool may_block)
{
    while (true) {
        const char* begin = m_buffer.data() + m_start;
        std::size_t available = m_buffer.size() - m_start;
        const void* found = std::memchr(begin + m_scanned, m_delimiter, available - m_scanned);
        if (found != nullptr) {
            std::size_t length = static_cast<const char*>(found) - begin;
            record.assign(begin, length);
            m_start += length + 1;
            m_scanned = 0;
            ++m_count;
            return ReadStatus::record;
        }
        m_scanned = available;
        if (m_eof) {
            if (available == 0) {
                return ReadStatus::end;
            }
            record.assign(begin, available); // a last record without its delimiter
            m_start = m_buffer.size();
            m_scanned = 0;
            ++m_count;
            return ReadStatus::record;
        }
        if (!fill(may_block)) {
            return ReadStatus::would_block;
        }
    }
}

std::optional<std::size_t> RecordReader::count_remaining() const
{
    struct stat st {};
    off_t offset = ::lseek(m_fd, 0, SEEK_CUR);
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode) || offset < 0 || m_count > 0) {
        return std::nullopt;
    }
    std::size_t count = 0;
    char last = m_delimiter;
    std::string chunk(k_read_size, '\0');
    ssize_t n;
    while ((n = ::pread(m_fd, chunk.data(), chunk.size(), offset)) > 0) {
        for (ssize_t i = 0; i < n; ++i) {
            count += chunk[static_cast<std::size_t>(i)] == m_delimiter ? 1 : 0;
        }
        last = chunk[static_cast<std::size_t>(n) - 1];
        offset += n;
    }
    return count + (last != m_delimiter ? 1 : 0); // a last record without its delimiter
}

// Reads once more into the buffer; false when nothing was ready and we may not block.
bool RecordReader::fill(bool may_block)
{
    if (!may_block) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) { // -1: a signal came first (EINTR); a read could block
            return false;
        }
    }
    if (m_start > 0 && m_start >= m_buffer.size() / 2) {
        m_buffer.erase(0, m_start);
        m_start = 0;
    }
    if (!m_chunk) {
        m_chunk = std::make_unique_for_overwrite<char[]>(k_read_size);
    }
    ssize_t n;
    do {
        n = ::read(m_fd, m_chunk.get(), k_read_size);
        if (n < 0 && errno == EAGAIN) { // someone made our stdin non-blocking
            if (!may_block) {
                return false;
            }
            pollfd p{m_fd, POLLIN, 0};
            ::poll(&p, 1, -1);
            errno = EINTR;
        }
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        m_buffer.append(m_chunk.get(), static_cast<std::size_t>(n));
    }
    if (n < 0) {
        throw Error(os_error("cannot read " + m_name));
    }
    m_eof = n == 0;
    return true;
}

} // namespace fanout
