// fanout's entry point: parse the command line, wire the parts together, run.
#include "arg_limits.hpp"
#include "aux_process.hpp"
#include "batcher.hpp"
#include "column_names.hpp"
#include "cpu_count.hpp"
#include "error.hpp"
#include "exit_codes.hpp"
#include "failure_summary.hpp"
#include "input.hpp"
#include "job_command.hpp"
#include "job_count.hpp"
#include "joblog.hpp"
#include "jobserver.hpp"
#include "jobserver_pool.hpp"
#include "json_results.hpp"
#include "junit_report.hpp"
#include "local_runner.hpp"
#include "options.hpp"
#include "output.hpp"
#include "perl_coprocess.hpp"
#include "pipe_blocks.hpp"
#include "prefetched_jobs.hpp"
#include "process.hpp"
#include "progress.hpp"
#include "remote_runner.hpp"
#include "resource_limits.hpp"
#include "results_tree.hpp"
#include "scheduler.hpp"
#include "semaphore_mode.hpp"
#include "signals.hpp"
#include "size.hpp"
#include "slurm_runner.hpp"
#include "system_gate.hpp"
#include "table_results.hpp"
#include "task_list.hpp"
#include "worker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <new>
#include <string_view>

namespace fanout {
namespace {

std::size_t job_slots(const Options& options)
{
    std::size_t cpus = usable_cpu_count();
    return options.jobs ? options.jobs->slots(cpus, unlimited_job_count()) : cpus;
}

// GNU make's jobserver, when MAKEFLAGS has one and the user did not choose -j (or chose
// --jobserver, or --serve-jobserver: one pool for the whole tree).
std::optional<Jobserver> connect_jobserver(const Options& options, Output& output)
{
    bool forced = options.jobserver.value_or(false);
    if (!options.jobserver.value_or(!options.jobs || options.serve_jobserver)) {
        return std::nullopt;
    }
    const char* makeflags = std::getenv("MAKEFLAGS");
    MakeflagsJobserver found = parse_makeflags(makeflags ? makeflags : "");
    std::string warning;
    if (!found.auth && forced) {
        warning = !found.problem.empty() ? found.problem
                  : found.dry_run        ? "--jobserver: make is only printing commands (-n); no jobserver"
                                         : "--jobserver: MAKEFLAGS names no jobserver";
    }
    std::optional<Jobserver> jobserver = found.auth ? Jobserver::connect(*found.auth, warning) : std::nullopt;
    if (!warning.empty()) {
        output.say("fanout: warning: " + warning);
    }
    return jobserver;
}

// The run's jobserver: a client of make's, a pool we serve to the jobs, or none.
struct Jobservers {
    std::optional<Jobserver> make;
    std::unique_ptr<JobserverPool> served;

    Jobserver* client() { return make ? &*make : served ? &served->client() : nullptr; }
    void reset() // make gets its tokens back, our FIFO goes
    {
        make.reset();
        served.reset();
    }
};

// --serve-jobserver without make's: a pool of our -j slots (less the implicit one),
// named in MAKEFLAGS before the environment is copied for the jobs.
std::unique_ptr<JobserverPool> serve_jobserver(const Options& options)
{
    std::size_t slots = job_slots(options);
    if (slots - 1 > JobserverPool::k_max_tokens) {
        throw Error("--serve-jobserver: -j " + std::to_string(slots) + " is more than a jobserver holds (" +
                    std::to_string(JobserverPool::k_max_tokens + 1) + ")");
    }
    auto pool = std::make_unique<JobserverPool>(slots - 1);
    const char* inherited = std::getenv("MAKEFLAGS");
    std::string flags = served_makeflags(inherited ? inherited : "", slots, pool->auth());
    check_os(::setenv("MAKEFLAGS", flags.c_str(), 1), "setenv MAKEFLAGS");
    return pool;
}

Jobservers set_up_jobservers(const Options& options, Output& output)
{
    Jobservers jobservers{connect_jobserver(options, output), nullptr};
    if (options.serve_jobserver && !jobservers.make && !options.dry_run) {
        jobservers.served = serve_jobserver(options);
    }
    return jobservers;
}

// The options' job control, with what only the run knows: slots, jobserver, joblog.
JobControl job_control(const Options& options, Jobserver* jobserver)
{
    JobControl control = options.control;
    control.max_jobs = job_slots(options);
    control.dry_run = options.dry_run;
    if (jobserver != nullptr) {
        control.jobserver = jobserver;
        control.max_jobs = options.jobs ? control.max_jobs : unlimited_job_count();
    }
    const ReportSettings& reports = options.reports;
    if (reports.resume || reports.resume_failed) {
        control.resume_from = read_joblog(*reports.joblog);
        control.resume_failed = reports.resume_failed;
    }
    return control;
}

bool under_ci()
{
    const char* ci = std::getenv("CI");
    return ci != nullptr && *ci != '\0' && std::string_view(ci) != "false";
}

// --color=auto: only on a terminal, and not under CI, NO_COLOR or TERM=dumb.
bool use_color(Options::Color color, int fd)
{
    if (color != Options::Color::auto_) {
        return color == Options::Color::always;
    }
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    return ::isatty(fd) && !under_ci() && !(no_color && *no_color) &&
           !(term && std::string_view(term) == "dumb");
}

// --results NAME (other than JSON Lines) and --files.
// results_vary: the name holds replacement strings (JobCommand fills them in per job).
std::unique_ptr<Report> make_results(const Options& options, const std::vector<std::string>& column_names,
                                     bool results_vary)
{
    const ReportSettings& asked = options.reports;
    using Format = ReportSettings::ResultsFormat;
    Format format = asked.results ? asked.results->format : Format::tree;
    if (format == Format::csv || format == Format::tsv || format == Format::gnu_json) {
        TableFormat table = format == Format::csv   ? TableFormat::csv
                            : format == Format::tsv ? TableFormat::tsv
                                                    : TableFormat::json;
        return std::make_unique<TableResults>(asked.results->path, table, column_names);
    }
    ResultsTreeSettings tree;
    tree.print_names = asked.files;
    const BatchRules& batch = options.batch;
    if ((batch.max_records != 1 || batch.spread) && !batch.drop_args) {
        tree.values_per_record = std::max<std::size_t>(options.input.sources.size(), 1);
    }
    if (asked.results) {
        tree.root = asked.results->path;
        tree.templated = results_vary;
        tree.column_names = column_names;
    }
    return std::make_unique<ResultsTree>(std::move(tree));
}

// The reports asked for; files are opened now, so a bad path fails before any job.
// column_names: --header's, for --results.
Reports make_reports(const Options& options, Output& output, const std::vector<std::string>& column_names,
                     bool results_vary)
{
    Reports reports;
    const ReportSettings& asked = options.reports;
    bool json_lines = asked.results && asked.results->format == ReportSettings::ResultsFormat::json_lines;
    if ((asked.results && !json_lines) || asked.files) {
        // First: its files are closed, and may fail, before the joblog says the job is done.
        reports.push_back(make_results(options, column_names, results_vary));
    }
    if (asked.joblog && !options.dry_run) { // GNU parallel writes no joblog for a dry run
        reports.push_back(std::make_unique<JobLog>(*asked.joblog, asked.resume || asked.resume_failed,
                                                   options.tasks.has_value()));
    }
    if (json_lines) {
        reports.push_back(std::make_unique<JsonResults>(asked.results->path, asked.results_output));
    }
    if (asked.junit) {
        reports.push_back(std::make_unique<JunitReport>(*asked.junit));
    }
    using P = ReportSettings::Progress;
    if (asked.progress != P::none && ::isatty(STDERR_FILENO) && !under_ci()) {
        auto style = asked.progress == P::bar   ? ProgressStyle::bar
                     : asked.progress == P::eta ? ProgressStyle::eta
                                                : ProgressStyle::counts;
        reports.push_back(std::make_unique<Progress>(output, style));
    }
    reports.push_back(std::make_unique<FailureSummary>(output));
    return reports;
}

// Jobs the input will make, when that is known before reading it (not with -X).
std::optional<std::size_t> expected_jobs(const Input& input, const BatchRules& rules)
{
    std::optional<std::size_t> records = input.count_records();
    if (!records || rules.max_records == 0) {
        return std::nullopt;
    }
    std::size_t per_job = rules.drop_args ? 1 : rules.max_records;
    return (*records + per_job - 1) / per_job;
}

// Where the jobs come from: blocks of one stream (--pipe), a JSON task list (--tasks),
// or input records batched into command lines. Built in place: the parts refer to
// each other.
class JobSources {
public:
    // Opens the input; read_records() then makes jobs of it. With --header the sources'
    // first records are read now: they name the columns the command may use.
    explicit JobSources(const Options& options)
    {
        if (options.pipe) {
            std::string name = "stdin";
            int fd = STDIN_FILENO;
            if (!options.input.sources.empty() && options.input.sources[0].path != "-") {
                name = options.input.sources[0].path;
                m_file.reset(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
                if (!m_file) {
                    throw Error(os_error("cannot read '" + name + "'"));
                }
                fd = m_file.get();
            }
            m_blocks.emplace(fd, name, options.blocks);
            m_active = &*m_blocks;
        } else if (options.tasks) {
            m_tasks.emplace(*options.tasks);
            m_active = &*m_tasks;
        } else {
            m_input.emplace(options.input);
        }
    }

    // Input records become jobs of `commands`.
    void read_records(const JobCommand& commands, const BatchRules& rules, ArgLimits limits)
    {
        if (m_input) {
            m_batcher.emplace(*m_input, commands.command_template(), rules, limits);
            m_active = &*m_batcher;
        }
    }

    // --header: the columns' names; empty without it.
    [[nodiscard]] std::vector<std::string> column_names() const
    {
        return m_input ? m_input->column_names() : std::vector<std::string>{};
    }

    [[nodiscard]] JobSource& jobs() { return *m_active; }

    // The job slots -X and -m spread the last arguments over.
    void spread_over(std::size_t slots)
    {
        if (m_batcher) {
            m_batcher->spread_over(slots);
        }
    }

    // Jobs the input will make, when that is known before reading it (not with -X).
    [[nodiscard]] std::optional<std::size_t> expected_jobs(const BatchRules& rules) const
    {
        return m_input ? fanout::expected_jobs(*m_input, rules) : std::nullopt;
    }

private:
    Fd m_file;
    std::optional<PipeBlocks> m_blocks;
    std::optional<TaskList> m_tasks;
    std::optional<Input> m_input;
    std::optional<Batcher> m_batcher;
    JobSource* m_active = nullptr;
};

// --slurm: the workers are this very fanout, which the nodes see at the same path.
SlurmSetup slurm_setup(const Options& options)
{
    SlurmSetup setup;
    setup.cpus_per_task = options.cpus_per_task;
    std::error_code error;
    setup.worker_program = std::filesystem::read_symlink("/proc/self/exe", error).string();
    if (error) {
        throw Error("--slurm: cannot tell where this fanout is (/proc/self/exe: " + error.message() + ")");
    }
    return setup;
}

// Runs the jobs: here, on the -S hosts, or nowhere (--dry-run). With hosts, their
// slots replace -j's.
std::unique_ptr<Runner> make_runner(const Options& options, std::optional<SlurmAllocation> allocation,
                                    Output& output, JobControl& control, const Jobservers& jobservers,
                                    const Reports& reports)
{
    // Jobs' output comes through pipes when it is held, tagged, or kept by a report.
    bool capture =
        output.needs_capture() || std::any_of(reports.begin(), reports.end(), [](const auto& report) {
            return report->takes_stream(Stream::out) || report->takes_stream(Stream::err);
        });
    if (options.dry_run) {
        return std::make_unique<DryRunRunner>();
    }
    if (allocation) {
        auto runner =
            std::make_unique<SlurmRunner>(std::move(*allocation), slurm_setup(options), options.jobs, output);
        control.max_jobs = runner->slots();
        return runner;
    }
    if (options.sshlogins.empty()) {
        auto runner = std::make_unique<LocalRunner>(capture);
        if (options.process_slot_var) {
            runner->set_slot_variable(*options.process_slot_var);
        }
        if (jobservers.served) {
            auto fds = jobservers.served->job_fds();
            runner->set_inherited_fds({fds.begin(), fds.end()});
        }
        return runner;
    }
    auto runner =
        std::make_unique<RemoteRunner>(options.sshlogins, options.remote, capture, options.jobs, output);
    if (runner->slots() == 0) {
        throw Error("no host given with -S/--sshlogin or --sshloginfile can be reached");
    }
    control.max_jobs = runner->slots();
    return runner;
}

// The command settings, with the bash functions our environment exports: a local job
// that calls one runs through bash (found once, and only when there are functions).
CommandSettings local_command_settings(const Options& options)
{
    CommandSettings settings = options.command;
    const auto& results = options.reports.results;
    if (results && results->format == ReportSettings::ResultsFormat::tree) {
        settings.results = results->path; // filled in with the command, perl expressions and all
    }
    if (!options.sshlogins.empty()) {
        return settings; // a remote host has none of our functions
    }
    settings.syntax.functions = ExportedFunctions(environ);
    if (!settings.syntax.functions.empty()) {
        settings.syntax.function_shell = find_executable("bash");
    }
    return settings;
}

// The perl co-process, when the command or another template holds {= =} expressions or
// --rpl tags: started and every expression compiled before any job starts.
std::unique_ptr<PerlCoprocess> start_perl(JobCommand& commands)
{
    const auto& codes = commands.perl_expressions().codes();
    if (codes.empty()) {
        return nullptr;
    }
    auto perl = std::make_unique<PerlCoprocess>(codes);
    commands.set_perl(perl.get());
    return perl;
}

// --header: {name} of a column becomes its {N} wherever a template may say it.
CommandSettings with_named_columns(CommandSettings settings, const std::vector<std::string>& names)
{
    if (names.empty()) {
        return settings;
    }
    auto rewrite = [&names](std::string& text) { text = name_columns(text, names); };
    std::for_each(settings.command.begin(), settings.command.end(), rewrite);
    std::for_each(settings.transfer_files.begin(), settings.transfer_files.end(), rewrite);
    std::for_each(settings.return_files.begin(), settings.return_files.end(), rewrite);
    for (std::optional<std::string>* text : {&settings.tagstring, &settings.workdir, &settings.results}) {
        if (*text) {
            rewrite(**text);
        }
    }
    return settings;
}

// Under RLIMIT_NPROC every local job needs processes of its own: a shell and a program
// it forks, or the program alone. -j comes down to what the limit leaves, and says so.
void fit_process_limit(const Options& options, const JobCommand& commands, JobControl& control,
                       Output& output)
{
    if (options.dry_run || !options.sshlogins.empty()) {
        return;
    }
    const CommandTemplate* command = commands.command_template();
    std::size_t per_job = command != nullptr && !command->needs_shell() ? 1 : 2;
    std::optional<ProcessRoom> room =
        process_room(std::min<std::uint64_t>(control.max_jobs, 1U << 20) * per_job);
    std::size_t cap = room ? job_cap_for_processes(*room, per_job) : control.max_jobs;
    if (cap < control.max_jobs) {
        control.max_jobs = cap;
        output.say("fanout: warning: only " + std::to_string(cap) + (cap == 1 ? " job" : " jobs") +
                   " at once: " + limit_name(EAGAIN) + " allows no more");
    }
}

// Records read from a terminal are most often a forgotten ':::' (GNU parallel warns as
// well, when stderr is a terminal too): say so once, then read them.
void warn_of_terminal_input(const Options& options, Output& output)
{
    const std::vector<SourceSpec>& sources = options.input.sources;
    bool from_stdin =
        sources.empty() || std::any_of(sources.begin(), sources.end(), [](const SourceSpec& source) {
            return source.kind == SourceSpec::Kind::file && source.path == "-";
        });
    if (!options.pipe && !options.tasks && from_stdin && ::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO)) {
        output.say("fanout: warning: reading input records from the terminal, one per line until Ctrl-D "
                   "(forgot ::: ARGS, :::: FILE, -a FILE or a pipe?)");
    }
}

// Started with 0, 1 or 2 closed, the first descriptor we open (the signalfd, a job's
// pipe) would take that number and jobs would read from or write into it. Holding
// /dev/null there for our whole life, as ssh and sudo do, keeps every number distinct.
void open_missing_standard_fds()
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            // The lowest free number is `fd` itself, since every one below it is open.
            check_os(::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY), "open /dev/null");
        }
    }
}

int run(int argc, const char* const* argv)
{
    open_missing_standard_fds();
    if (argc == 2 && std::string_view(argv[1]) == "--slurm-worker") {
        return run_slurm_worker(); // started by --slurm's srun on a node: no parse, no start-up
    }
    ParseResult parsed = parse_command_line(argc, argv);
    if (!parsed.options) {
        return parsed.exit_code;
    }
    const Options& options = *parsed.options;
    if (options.slurm_worker) {
        throw Error(
            "--slurm-worker is what --slurm starts on each node: it takes no other option or command");
    }
    if (options.tmpdir) {
        check_os(::setenv("TMPDIR", options.tmpdir->c_str(), 1), "setenv TMPDIR"); // as GNU parallel
    }
    if (options.semaphore) {
        return run_semaphore(options);
    }
    // Before anything is written (a joblog, --results): outside an allocation nothing is.
    std::optional<SlurmAllocation> allocation;
    if (options.slurm && !options.dry_run) {
        allocation = read_allocation();
    }
    Output output(options.output_mode);
    Jobservers jobservers = set_up_jobservers(options, output);
    JobControl control = job_control(options, jobservers.client());
    ArgLimits limits =
        system_arg_limits(job_environment_size(options.process_slot_var.value_or("")), options.max_chars);
    output.set_colors(use_color(options.color, STDOUT_FILENO), use_color(options.color, STDERR_FILENO));
    warn_of_terminal_input(options, output); // before --header reads the first records
    JobSources sources(options);
    JobCommand commands(with_named_columns(local_command_settings(options), sources.column_names()), limits);
    std::unique_ptr<PerlCoprocess> perl = start_perl(commands);
    sources.read_records(commands, options.batch, limits);
    output.set_tagged(options.command.tag || options.command.tagstring ||
                      options.tasks);                                     // a task may have a tag
    output.set_hold_oldest(options.control.retries > 1 || options.tasks); // a task may have retries
    Reports reports = make_reports(options, output, sources.column_names(), commands.results_vary());
    std::unique_ptr<Runner> runner =
        make_runner(options, std::move(allocation), output, control, jobservers, reports);
    fit_process_limit(options, commands, control, output);
    // Under make's jobserver without -j the slots are unbounded: -X spreads over the CPUs,
    // as GNU parallel's default -j, rather than into one argument per job ({0%} pads to them).
    std::size_t slots = control.jobserver != nullptr && !options.jobs ? job_slots(options) : control.max_jobs;
    sources.spread_over(slots);

    if (options.reports.progress != ReportSettings::Progress::none) {
        control.expected_jobs = sources.expected_jobs(options.batch);
    }
    // --halt N% is a share of all the jobs, {##} their number: as GNU parallel, read them
    // all first.
    std::optional<PrefetchedJobs> prefetched;
    if (commands.needs_total_jobs() && options.pipe) {
        throw Error("{##}, {0#} and total_jobs() need the number of jobs, which --pipe knows only at the end "
                    "of its input");
    }
    if ((options.control.halt.percent && options.control.halt.when != HaltPolicy::When::never) ||
        commands.needs_total_jobs()) {
        prefetched.emplace(sources.jobs());
        control.expected_jobs = prefetched->count();
    }
    commands.set_counts(prefetched ? std::optional(prefetched->count()) : std::nullopt, slots);
    JobSource& jobs = prefetched ? static_cast<JobSource&>(*prefetched) : sources.jobs();
    Scheduler scheduler(jobs, commands, *runner, output, reports, std::move(control));
    RunResult result = scheduler.run();
    if (result.signal != 0) {
        runner.reset();     // nothing the jobs left behind may outlive us
        jobservers.reset(); // make gets its tokens back, our FIFO goes
        die_by_signal(result.signal);
    }
    if (result.hosts_gone) {
        throw Error(std::string(options.slurm ? "every node of the allocation" : "every host") +
                    " is down: the jobs not yet run did not run");
    }
    return result.halt_exit ? *result.halt_exit
                            : unhalted_exit_code(options.control.halt, {result.failed, result.succeeded, {}});
}

} // namespace
} // namespace fanout

int main(int argc, char** argv)
{
    try {
        return fanout::run(argc, argv);
    } catch (const fanout::BrokenPipe&) {
        fanout::die_by_signal(SIGPIPE); // our reader left: stop as `yes | head` does
    } catch (const fanout::Interrupted& e) {
        fanout::die_by_signal(e.signal()); // Ctrl-C while the ssh connections were set up
    } catch (const std::bad_alloc&) {
        std::cerr << "fanout: error: out of memory\n"; // what() would say "std::bad_alloc"
        return fanout::k_exit_error;
    } catch (const std::exception& e) {
        std::cerr << "fanout: error: " << e.what() << "\n";
        return fanout::k_exit_error;
    }
}
