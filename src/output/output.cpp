#include "output.hpp"

#include "error.hpp"

#include <sys/stat.h>

namespace fanout {

namespace {

// stdout and stderr are one pipe, terminal or socket (2>&1): one queue must carry
// both, or a line on stderr could pass the stdout bytes queued before it.
bool one_stream(int out_fd, int err_fd)
{
    struct stat out {};
    struct stat err {};
    if (::fstat(out_fd, &out) != 0 || ::fstat(err_fd, &err) != 0) {
        return false;
    }
    return out.st_dev == err.st_dev && out.st_ino == err.st_ino && !S_ISREG(out.st_mode);
}

} // namespace

Output::Output(OutputMode mode, int out_fd, int err_fd) : m_mode(mode), m_out(out_fd, "stdout", m_budget)
{
    if (!one_stream(out_fd, err_fd)) {
        m_err.emplace(err_fd, "stderr", m_budget);
    }
}

std::string Output::colored_tag(std::uint64_t seq, std::string tag) const
{
    if (!m_color_out || tag.empty()) {
        return tag;
    }
    // One of six colours by sequence number, so neighbouring jobs differ.
    std::string colored = "\033[3" + std::to_string(1 + seq % 6) + "m";
    colored.append(tag, 0, tag.size() - 1);
    colored += "\033[0m\t";
    return colored;
}

void Output::job_started(std::uint64_t seq, std::string tag, Retag retag)
{
    auto [it, added] = m_jobs.try_emplace(seq, colored_tag(seq, std::move(tag)), m_budget);
    if (added) {
        it->second.retag = std::move(retag);
    }
}

std::string Output::tagged(std::uint64_t seq, JobOutput& job, Stream stream, std::string_view data)
{
    int s = static_cast<int>(stream);
    std::string out;
    out.reserve(data.size() + job.tag.size() * 2);
    while (!data.empty()) {
        if (job.at_line_start[s]) {
            out += job.retag ? colored_tag(seq, job.retag()) : job.tag;
        }
        // A CR ends a line too, as in GNU parallel: each redraw of a progress line is tagged.
        std::size_t newline = data.find_first_of("\r\n");
        std::size_t length = newline == std::string_view::npos ? data.size() : newline + 1;
        out.append(data.substr(0, length));
        job.at_line_start[s] = newline != std::string_view::npos;
        data.remove_prefix(length);
    }
    return out;
}

void Output::emit(Stream stream, std::string_view data)
{
    clear_status();
    sink(stream).write(data);
}

// --line-buffer: whole lines go out now, the unfinished rest waits for its newline
// (in a temp file past its share of memory, so a line of a gigabyte is no problem).
void Output::emit_lines(JobOutput& job, Stream stream, std::string_view data)
{
    OutputBuffer& partial = job.partial[static_cast<int>(stream)];
    std::size_t last_newline = data.find_last_of("\r\n"); // a CR ends a line, as in tagged()
    if (last_newline == std::string_view::npos) {
        partial.append(data);
        return;
    }
    clear_status();
    if (partial.empty()) {
        sink(stream).write(data.substr(0, last_newline + 1));
    } else {
        partial.append(data.substr(0, last_newline + 1));
        sink(stream).write(std::exchange(partial, OutputBuffer(m_budget)));
    }
    partial.append(data.substr(last_newline + 1));
}

void Output::flush_held(JobOutput& job)
{
    clear_status();
    for (Stream stream : {Stream::out, Stream::err}) {
        int s = static_cast<int>(stream);
        sink(stream).write(std::exchange(job.held[s], OutputBuffer(m_budget)));
        sink(stream).write(std::exchange(job.partial[s], OutputBuffer(m_budget)));
    }
    if (job.finished) {
        sink(Stream::out).write(job.epilogue);
    }
}

void Output::delivered_when_written(std::uint64_t seq)
{
    m_deliveries.push_back({seq, m_out.queued(), err_sink().queued()});
}

bool Output::next_delivered(std::uint64_t& seq)
{
    if (m_deliveries.empty()) {
        return false;
    }
    const Delivery& next = m_deliveries.front();
    if (m_out.written() < next.out || err_sink().written() < next.err) {
        return false;
    }
    seq = next.seq;
    m_deliveries.pop_front();
    return true;
}

void Output::job_output(std::uint64_t seq, Stream stream, std::string_view data)
{
    JobOutput& job = m_jobs.at(seq);
    std::string with_tags;
    if (!job.tag.empty()) {
        with_tags = tagged(seq, job, stream, data);
        data = with_tags;
    }
    switch (m_mode) {
    case OutputMode::ungroup:
        emit(stream, data);
        return;
    case OutputMode::line_buffer:
        emit_lines(job, stream, data);
        break;
    case OutputMode::keep_order:
        if (seq == m_next_in_order && !m_hold_oldest) {
            emit(stream, data);
            return;
        }
        job.held[static_cast<int>(stream)].append(data);
        break;
    case OutputMode::group:
        job.held[static_cast<int>(stream)].append(data);
        break;
    }
    warn_if_spilling_failed();
}

// Said once: output is kept in memory because the temp directory cannot take it.
void Output::warn_if_spilling_failed()
{
    if (m_spill_warned || m_budget.spill_problem.empty()) {
        return;
    }
    m_spill_warned = true;
    say("fanout: warning: " + m_budget.spill_problem +
        "; job output is held in memory and no new job starts until it drains");
}

void Output::job_finished(std::uint64_t seq, std::string epilogue)
{
    auto it = m_jobs.find(seq);
    if (it == m_jobs.end()) {
        return;
    }
    it->second.finished = true;
    it->second.epilogue = std::move(epilogue);
    if (m_mode != OutputMode::keep_order) {
        flush_held(it->second);
        m_jobs.erase(it);
        delivered_when_written(seq);
        return;
    }
    advance_keep_order();
}

void Output::job_discard(std::uint64_t seq)
{
    auto it = m_jobs.find(seq);
    if (it == m_jobs.end()) {
        return;
    }
    std::string tag = std::move(it->second.tag);
    Retag retag = std::move(it->second.retag);
    m_jobs.erase(it);
    m_jobs.try_emplace(seq, std::move(tag), m_budget).first->second.retag = std::move(retag);
}

// -k: print every finished job from the oldest on; the first unfinished one goes live.
void Output::advance_keep_order()
{
    while (true) {
        auto it = m_jobs.find(m_next_in_order);
        if (it == m_jobs.end()) {
            return;
        }
        if (!it->second.finished) {
            if (!m_hold_oldest) {
                flush_held(it->second); // it goes live from here on
            }
            return;
        }
        flush_held(it->second);
        m_jobs.erase(it);
        delivered_when_written(m_next_in_order);
        ++m_next_in_order;
    }
}

void Output::show_status(std::string_view line)
{
    if (!err_sink().idle()) {
        return;
    }
    std::string text = "\r";
    text += line;
    text += "\033[K";
    sink(Stream::err).write(text);
    m_status_shown = true;
}

void Output::clear_status()
{
    if (m_status_shown) {
        m_status_shown = false;
        sink(Stream::err).write("\r\033[K");
    }
}

void Output::alert(std::string_view line)
{
    if (!m_color_err) {
        say(line);
        return;
    }
    std::string colored = "\033[1;31m";
    colored += line;
    colored += "\033[0m";
    say(colored);
}

void Output::say(std::string_view line)
{
    clear_status();
    std::string text(line);
    text += '\n';
    sink(Stream::err).write(text);
}

void Output::add_watches(std::vector<pollfd>& fds) const
{
    for (const Sink* s : {&m_out, m_err ? &*m_err : nullptr}) {
        if (s != nullptr && s->may_block()) {
            fds.push_back({s->poll_fd(), static_cast<short>(s->idle() ? 0 : POLLOUT), 0});
        }
    }
}

void Output::on_polled(std::span<const pollfd> polled)
{
    for (const pollfd& watch : polled) {
        if ((watch.revents & POLLERR) != 0) {
            throw BrokenPipe(); // the reader left: nothing more can be delivered
        }
    }
    m_out.flush();
    if (m_err) {
        m_err->flush();
    }
}

bool Output::idle() const
{
    return m_out.idle() && (!m_err || m_err->idle());
}

} // namespace fanout
