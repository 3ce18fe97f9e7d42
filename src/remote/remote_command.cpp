#include "remote_command.hpp"

#include "shell_quote.hpp"

#include <unistd.h>

namespace fanout {

namespace {

// Runs $ARGV[0] with /bin/sh in its own process group, stdin /dev/null, and waits for
// it or for EOF on our stdin, whichever comes first; on EOF the group gets TERM, then
// KILL. Plain perl (no modules) starts in about 2 ms; GNU parallel needs perl remotely
// too. Exit status as a shell reports it. Perl runs a signal handler only between ops:
// a SIGCHLD that lands after waitpid() looked and before select() sleeps is handled
// only once select() returns, so select() wakes up every 0.1 s to look again. (Without
// that timeout, a job on a loaded machine now and then never ended: its shell a zombie
// under a watcher asleep in select().)
constexpr const char* k_watcher =
    "pipe(R,W);$SIG{CHLD}=sub{syswrite(W,1)};$p=fork;defined($p)||exit(255);"
    "if(!$p){setpgrp(0,0);open(STDIN,\"<\",\"/dev/null\");exec(\"/bin/sh\",\"-c\",$ARGV[0]);exit(127)}"
    "setpgrp($p,$p);$r=\"\";vec($r,0,1)=1;vec($r,fileno(R),1)=1;"
    "while(1){if(waitpid($p,1)==$p){exit($?&127?128+($?&127):$?>>8)}"
    "if(select($o=$r,undef,undef,0.1)>0){"
    "if(vec($o,0,1)&&!sysread(STDIN,$b,4096)){kill(\"TERM\",-$p);select(undef,undef,undef,0.5);"
    "kill(\"KILL\",-$p);exit(255)}"
    "if(vec($o,fileno(R),1)){sysread(R,$b,64)}}}";

std::string quoted_words(const std::vector<std::string>& words)
{
    std::string out;
    for (const auto& word : words) {
        out += out.empty() ? "" : " ";
        append_shell_quoted(out, word);
    }
    return out;
}

void add_variable(std::string& script, const std::string& name, const std::string& value)
{
    script += name + "=";
    append_shell_quoted(script, value);
    script += "; export " + name + "\n";
}

// The remote path of a file: below the workdir, as rsync -R puts it.
std::string remote_path(const std::string& workdir, const std::string& file)
{
    std::string relative = file;
    while (relative.starts_with("/")) {
        relative.erase(0, 1);
    }
    return (workdir.empty() ? "" : workdir + "/") + relative;
}

std::string rsync_prefix(const RemoteSetup& setup, const SshLogin& login, const std::string& control_path)
{
    std::vector<std::string> ssh = ssh_words(setup, login, control_path);
    ssh.pop_back(); // the destination: rsync adds it
    return "rsync -rlpt -R -e " + shell_quote(quoted_words(ssh)) + " -- ";
}

// A script that sends the files, runs the job, fetches the results, then cleans up.
std::string transfer_script(const Command& command, const RemoteSetup& setup, const SshLogin& login,
                            const std::string& control_path, const std::string& workdir,
                            const std::string& job)
{
    std::string ssh = quoted_words(ssh_words(setup, login, control_path));
    std::string rsync = rsync_prefix(setup, login, control_path);
    std::string script;
    if (!command.transfer_files.empty()) {
        if (!workdir.empty()) {
            script +=
                ssh + " " + shell_quote("mkdir -p -- " + shell_quote(workdir)) + " </dev/null || exit 255\n";
        }
        script += rsync + quoted_words(command.transfer_files) + " " +
                  shell_quote(login.destination + ":" + (workdir.empty() ? "" : workdir + "/")) +
                  " || exit 255\n";
    }
    script += ssh + " " + shell_quote(job) + "\nrc=$?\n";
    if (!command.return_files.empty()) {
        std::vector<std::string> sources;
        for (const auto& file : command.return_files) {
            sources.push_back(login.destination + ":" + (workdir.empty() ? "" : workdir + "/") + "./" + file);
        }
        script += rsync + quoted_words(sources) + " . || { [ $rc -ne 0 ] || rc=1; }\n";
    }
    if (setup.cleanup) {
        std::vector<std::string> files;
        for (const auto* list : {&command.transfer_files, &command.return_files}) {
            for (const auto& file : *list) {
                files.push_back(remote_path(workdir, file));
            }
        }
        std::string remove = files.empty() ? "true" : "rm -f -- " + quoted_words(files);
        if (setup.workdir == "...") {
            remove += "; rm -rf -- " + shell_quote(workdir);
        }
        script += ssh + " " + shell_quote(remove) + " </dev/null\n";
    }
    return script + "exit $rc\n";
}

} // namespace

std::vector<std::string> ssh_words(const RemoteSetup& setup, const SshLogin& login,
                                   const std::string& control_path)
{
    std::vector<std::string> words = setup.ssh;
    words.insert(words.end(), {"-T", "-o", "ControlMaster=no", "-o", "ControlPath=" + control_path});
    if (login.port) {
        words.insert(words.end(), {"-p", std::to_string(*login.port)});
    }
    words.push_back(login.destination);
    return words;
}

std::string remote_workdir(const RemoteSetup& setup, std::uint64_t seq)
{
    if (setup.workdir != "...") {
        return setup.workdir;
    }
    char host[256] = "host";
    ::gethostname(host, sizeof host - 1);
    return ".fanout/tmp/" + std::string(host) + "-" + std::to_string(::getpid()) + "-" + std::to_string(seq);
}

std::string remote_job(const Command& command, const RemoteSetup& setup, const std::string& workdir,
                       std::uint64_t seq, std::size_t slot)
{
    std::string script;
    for (const char* name : {"FANOUT_SEQ", "PARALLEL_SEQ"}) {
        add_variable(script, name, std::to_string(seq));
    }
    for (const char* name : {"FANOUT_SLOT", "PARALLEL_JOBSLOT"}) {
        add_variable(script, name, std::to_string(slot));
    }
    for (const auto& [name, value] : setup.env) {
        add_variable(script, name, value);
    }
    for (const auto& variable : command.env) {
        std::size_t equals = variable.find('=');
        add_variable(script, variable.substr(0, equals), variable.substr(equals + 1));
    }
    if (!workdir.empty()) {
        script +=
            "mkdir -p -- " + shell_quote(workdir) + " && cd -- " + shell_quote(workdir) + " || exit 255\n";
    }
    if (!command.cwd.empty() && !command.make_cwd) {
        script += "cd -- " + shell_quote(command.cwd) + " || exit 126\n";
    }
    script += command.display;
    return "exec perl -e " + shell_quote(k_watcher) + " " + shell_quote(script);
}

Command remote_command(const Command& command, const RemoteSetup& setup, const SshLogin& login,
                       const std::string& control_path, std::uint64_t seq, std::size_t slot)
{
    // --workdir, filled in for this job; else a task's "cwd" comes after setup's directory.
    std::string workdir = command.make_cwd ? command.cwd : remote_workdir(setup, seq);
    std::string job = remote_job(command, setup, workdir, seq, slot);
    Command remote;
    remote.display = command.display;
    remote.stream_input = true; // the watcher's lifeline: open as long as the job runs
    bool transfers = !command.transfer_files.empty() || !command.return_files.empty() || setup.cleanup;
    if (!transfers) {
        remote.argv = ssh_words(setup, login, control_path);
        remote.argv.push_back(std::move(job));
        return remote;
    }
    remote.via_shell = true;
    remote.argv = {"/bin/sh", "-c", transfer_script(command, setup, login, control_path, workdir, job)};
    return remote;
}

} // namespace fanout
