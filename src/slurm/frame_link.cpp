#include "frame_link.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace fanout {

namespace {

void make_non_blocking(int fd)
{
    int flags = check_os(::fcntl(fd, F_GETFL), "fcntl");
    check_os(::fcntl(fd, F_SETFL, flags | O_NONBLOCK), "fcntl");
}

} // namespace

FrameLink::FrameLink(int in, int out, Fd owned, std::size_t max_frame)
    : m_in(in), m_out(out), m_owned(std::move(owned)), m_reader('\n', max_frame)
{
    make_non_blocking(m_in);
    if (m_out != m_in) {
        make_non_blocking(m_out);
    }
}

void FrameLink::send(const std::string& bytes)
{
    if (m_broken) {
        return;
    }
    // Written at the next poll, together with whatever else is sent until then: the
    // step's output reaches fanout over TCP, where two small writes in a row wait for
    // an ACK that comes late (Nagle's algorithm against delayed ACKs, 40 ms).
    m_outbox += bytes;
}

void FrameLink::add_watches(std::vector<pollfd>& fds) const
{
    fds.push_back({m_ended ? -1 : m_in, POLLIN, 0});
    fds.push_back({flushed() ? -1 : m_out, POLLOUT, 0});
}

void FrameLink::on_polled(std::span<const pollfd> polled)
{
    if (polled[0].revents != 0) {
        receive();
    }
    if (polled[1].revents != 0) {
        flush();
    }
}

void FrameLink::receive()
{
    std::array<char, 65536> buffer{};
    while (!m_ended) {
        ssize_t got = ::read(m_in, buffer.data(), buffer.size());
        if (got > 0) {
            m_reader.append({buffer.data(), static_cast<std::size_t>(got)});
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && errno == EAGAIN) {
            return;
        }
        m_ended = true; // end of file, or the link broke
    }
}

void FrameLink::flush_all()
{
    flush();
    while (!flushed()) {
        pollfd fd{m_out, POLLOUT, 0};
        if (::poll(&fd, 1, -1) < 0 && errno != EINTR) {
            m_broken = true;
        }
        flush();
    }
}

void FrameLink::flush()
{
    while (!m_broken && m_sent < m_outbox.size()) {
        ssize_t put = ::write(m_out, m_outbox.data() + m_sent, m_outbox.size() - m_sent);
        if (put > 0) {
            m_sent += static_cast<std::size_t>(put);
            continue;
        }
        if (put < 0 && errno == EINTR) {
            continue;
        }
        if (put < 0 && errno == EAGAIN) {
            break;
        }
        m_broken = true; // EPIPE: the other end is gone
    }
    if (m_sent == m_outbox.size() || m_broken) {
        m_outbox.clear();
        m_sent = 0;
    } else if (m_sent > 1 << 20 && m_sent * 2 > m_outbox.size()) {
        m_outbox.erase(0, m_sent);
        m_sent = 0;
    }
}

} // namespace fanout
