#include "results_tree.hpp"

#include "error.hpp"
#include "results_format.hpp"
#include "temp_file.hpp"
#include "write_all.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace fanout {

namespace {

std::string cannot_write(const std::string& name)
{
    return os_error("--results: cannot write '" + name + "'");
}

// mkdir -p, as GNU parallel's File::Path::mkpath.
void make_dirs(const std::string& path)
{
    for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        std::string dir = path.substr(0, slash);
        if (!dir.empty() && ::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
            throw Error(os_error("--results: cannot make directory '" + dir + "'"));
        }
        if (slash == std::string::npos) {
            return;
        }
    }
}

// The directory `name` inside `dir`, made if missing. A symlink is not followed: no
// value can lead the tree outside its root.
Fd enter_dir(const Fd& dir, const std::string& name, const std::string& shown)
{
    if (::mkdirat(dir.get(), name.c_str(), 0777) != 0 && errno != EEXIST) {
        throw Error(os_error("--results: cannot make directory '" + shown + "'"));
    }
    Fd sub(::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) {
        throw Error(os_error("--results: cannot enter directory '" + shown + "'"));
    }
    return sub;
}

Fd create_file(int dir, const std::string& name, const std::string& shown)
{
    Fd file(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666));
    if (!file) {
        throw Error(cannot_write(shown));
    }
    return file;
}

// The seq file holds the job's number without a newline, as GNU parallel's.
void write_seq(int dir, const std::string& name, const std::string& shown, std::uint64_t seq)
{
    Fd file = create_file(dir, name, shown);
    write_all(file.get(), std::to_string(seq), shown.c_str());
    if (::close(file.release()) != 0) {
        throw Error(cannot_write(shown));
    }
}

std::size_t parent_steps(std::string_view path)
{
    std::size_t steps = 0;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = std::min(path.find('/', start), path.size());
        steps += path.substr(start, slash - start) == "..";
        start = slash + 1;
    }
    return steps;
}

} // namespace

ResultsTree::ResultsTree(ResultsTreeSettings settings) : m_settings(std::move(settings))
{
    // A name without replacement strings is the root of a tree, as in GNU parallel.
    if (m_settings.root && !m_settings.templated) {
        make_dirs(*m_settings.root);
        if (!Fd(::open(m_settings.root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC))) {
            throw Error(os_error("--results: cannot open directory '" + *m_settings.root + "'"));
        }
    }
}

void ResultsTree::attempt_started(const JobRecord& job)
{
    m_jobs[job.seq] = open_files(job); // a retry starts its files afresh
}

ResultsTree::JobFiles ResultsTree::open_files(const JobRecord& job) const
{
    if (!m_settings.root) {
        JobFiles files;
        files.file[0] = create_kept_temp_file("par", ".par", files.name[0]);
        return files;
    }
    if (!m_settings.templated) {
        return open_in_tree(job);
    }
    // A value may give the name's own text back ('x{}' for "{}"): still a file, as GNU's.
    const std::string& path = job.results_path;
    if (path.find('\0') != std::string::npos) {
        throw Error("--results: job " + std::to_string(job.seq) + "'s file name would hold a NUL byte");
    }
    // A value of "..", or one holding "/..", must not take the job's files above where
    // the name says, nor a value starting with '/' anywhere; the name's own ".." are the
    // user's choice.
    if (parent_steps(path) > parent_steps(*m_settings.root) ||
        (path.starts_with('/') && !m_settings.root->starts_with('/'))) {
        throw Error("--results: job " + std::to_string(job.seq) + "'s files would be '" + path +
                    "': a value leads out of the directory named by " + *m_settings.root);
    }
    return open_from_template(job, path);
}

// GNU parallel's tree: ROOT/1/<value 1>/2/<value 2>/{seq,stdout,stderr}.
ResultsTree::JobFiles ResultsTree::open_in_tree(const JobRecord& job) const
{
    std::string shown = *m_settings.root;
    Fd dir(::open(shown.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
        throw Error(os_error("--results: cannot open directory '" + shown + "'"));
    }
    for (const std::string& name :
         results_dir_names(job.args, job.id, m_settings.values_per_record, m_settings.column_names)) {
        shown += "/" + name;
        dir = enter_dir(dir, name, shown);
    }
    write_seq(dir.get(), "seq", shown + "/seq", job.seq);
    JobFiles files;
    const std::array<const char*, 2> names = {"stdout", "stderr"};
    for (std::size_t s = 0; s < 2; ++s) {
        files.name[s] = shown + "/" + names[s];
        files.file[s] = create_file(dir.get(), names[s], files.name[s]);
    }
    return files;
}

// A name with replacement strings: ending in '/', a directory holding seq, stdout and
// stderr; else stdout itself, with NAME.err and NAME.seq beside it.
ResultsTree::JobFiles ResultsTree::open_from_template(const JobRecord& job, const std::string& path) const
{
    bool is_dir = path.ends_with('/');
    std::size_t slash = path.rfind('/');
    if (is_dir || slash != std::string::npos) {
        make_dirs(path.substr(0, is_dir ? path.size() - 1 : slash));
    }
    std::string seq_name = is_dir ? path + "seq" : path + ".seq";
    write_seq(AT_FDCWD, seq_name, seq_name, job.seq);
    JobFiles files;
    files.name[0] = is_dir ? path + "stdout" : path;
    files.name[1] = is_dir ? path + "stderr" : path + ".err";
    for (std::size_t s = 0; s < 2; ++s) {
        files.file[s] = create_file(AT_FDCWD, files.name[s], files.name[s]);
    }
    return files;
}

void ResultsTree::attempt_output(std::uint64_t seq, Stream stream, std::string_view data)
{
    auto it = m_jobs.find(seq);
    auto s = static_cast<std::size_t>(stream);
    if (it != m_jobs.end() && it->second.file[s]) {
        write_all(it->second.file[s].get(), data, it->second.name[s].c_str());
    }
}

std::string ResultsTree::stdout_in_place(const JobRecord& job) const
{
    auto it = m_jobs.find(job.seq);
    return m_settings.print_names && it != m_jobs.end() ? it->second.name[0] + "\n" : std::string();
}

// Its files are closed only now: a write the kernel reports late (NFS, a full disk)
// still stops the run before any record says the job is done.
void ResultsTree::job_finished(const JobRecord& job)
{
    auto node = m_jobs.extract(job.seq);
    if (node.empty()) {
        return;
    }
    for (std::size_t s = 0; s < 2; ++s) {
        Fd& file = node.mapped().file[s];
        if (file && ::close(file.release()) != 0) {
            throw Error(cannot_write(node.mapped().name[s]));
        }
    }
}

} // namespace fanout
