#include "output.hpp"

#include "write_all.hpp"

namespace fanout {

namespace {
const char* name_of(int fd) { return fd == 1 ? "stdout" : "stderr"; }
} // namespace

Output::Output(OutputMode mode, int out_fd, int err_fd) : m_mode(mode), m_out_fd(out_fd), m_err_fd(err_fd) {}

void Output::job_started(std::uint64_t seq, std::string tag)
{
    if (m_color_out && !tag.empty()) {
        // One of six colours by sequence number, so neighbouring jobs differ.
        std::string colored = "\033[3" + std::to_string(1 + seq % 6) + "m";
        colored.append(tag, 0, tag.size() - 1);
        colored += "\033[0m\t";
        tag = std::move(colored);
    }
    m_jobs.try_emplace(seq, std::move(tag), m_budget);
}

std::string Output::tagged(JobOutput& job, Stream stream, std::string_view data)
{
    int s = static_cast<int>(stream);
    std::string out;
    out.reserve(data.size() + job.tag.size() * 2);
    while (!data.empty()) {
        if (job.at_line_start[s]) {
            out += job.tag;
        }
        std::size_t newline = data.find('\n');
        std::size_t length = newline == std::string_view::npos ? data.size() : newline + 1;
        out.append(data.substr(0, length));
        job.at_line_start[s] = newline != std::string_view::npos;
        data.remove_prefix(length);
    }
    return out;
}

// Writes now, tagged when asked.
void Output::emit(JobOutput& job, Stream stream, std::string_view data)
{
    clear_status();
    int fd = fd_of(stream);
    if (job.tag.empty()) {
        write_all(fd, data, name_of(fd));
    } else {
        write_all(fd, tagged(job, stream, data), name_of(fd));
    }
}

void Output::hold(JobOutput& job, Stream stream, std::string_view data)
{
    auto& buffer = job.held[static_cast<int>(stream)];
    if (job.tag.empty()) {
        buffer.append(data);
    } else {
        buffer.append(tagged(job, stream, data));
    }
}

// --line-buffer: whole lines go out now, the unfinished rest waits for its newline.
void Output::emit_lines(JobOutput& job, Stream stream, std::string_view data)
{
    std::string& partial = job.partial[static_cast<int>(stream)];
    std::size_t last_newline = data.rfind('\n');
    if (last_newline == std::string_view::npos) {
        partial.append(data);
        return;
    }
    partial.append(data.substr(0, last_newline + 1));
    emit(job, stream, partial);
    partial.assign(data.substr(last_newline + 1));
}

void Output::flush_held(JobOutput& job)
{
    clear_status();
    for (Stream stream : {Stream::out, Stream::err}) {
        int s = static_cast<int>(stream);
        int fd = fd_of(stream);
        job.held[s].write_to(fd, name_of(fd));
        if (!job.partial[s].empty()) {
            emit(job, stream, job.partial[s]);
            job.partial[s].clear();
        }
    }
}

void Output::job_output(std::uint64_t seq, Stream stream, std::string_view data)
{
    JobOutput& job = m_jobs.at(seq);
    switch (m_mode) {
    case OutputMode::ungroup:
        emit(job, stream, data);
        return;
    case OutputMode::line_buffer:
        emit_lines(job, stream, data);
        return;
    case OutputMode::keep_order:
        if (seq == m_next_in_order && !m_hold_oldest) {
            emit(job, stream, data);
            return;
        }
        break;
    case OutputMode::group:
        break;
    }
    hold(job, stream, data);
}

void Output::job_finished(std::uint64_t seq)
{
    auto it = m_jobs.find(seq);
    if (it == m_jobs.end()) {
        return;
    }
    if (m_mode != OutputMode::keep_order) {
        flush_held(it->second);
        m_jobs.erase(it);
        return;
    }
    it->second.finished = true;
    advance_keep_order();
}

void Output::job_discard(std::uint64_t seq)
{
    auto it = m_jobs.find(seq);
    if (it == m_jobs.end()) {
        return;
    }
    std::string tag = std::move(it->second.tag);
    m_jobs.erase(it);
    m_jobs.try_emplace(seq, std::move(tag), m_budget);
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
        ++m_next_in_order;
    }
}

void Output::show_status(std::string_view line)
{
    std::string text = "\r";
    text += line;
    text += "\033[K";
    write_all(m_err_fd, text, "stderr");
    m_status_shown = true;
}

void Output::clear_status()
{
    if (m_status_shown) {
        m_status_shown = false;
        write_all(m_err_fd, "\r\033[K", "stderr");
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
    write_all(m_err_fd, text, "stderr");
}

} // namespace fanout
