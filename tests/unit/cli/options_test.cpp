#include "error.hpp"
#include "options.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

fanout::Options parse(std::vector<const char*> words)
{
    words.insert(words.begin(), "fanout");
    fanout::ParseResult result = fanout::parse_command_line(static_cast<int>(words.size()), words.data());
    REQUIRE(result.options);
    return *result.options;
}

// The one-line message a refused command line throws.
std::string refusal(std::vector<const char*> words)
{
    words.insert(words.begin(), "fanout");
    try {
        (void)fanout::parse_command_line(static_cast<int>(words.size()), words.data());
    } catch (const fanout::Error& e) {
        return e.what();
    }
    return "(accepted)";
}

} // namespace

TEST_CASE("options: job control values arrive typed")
{
    fanout::Options options =
        parse({"--timeout", "1.5s", "--termseq", "INT,10,KILL,5", "--delay", "200ms", "--retries", "2",
               "--halt", "now,fail=1", "--memfree", "2k", "--load", "3", "true"});
    const fanout::JobControl& control = options.control;
    CHECK(control.timeout.fixed == 1500ms);
    REQUIRE(control.termseq.size() == 2);
    CHECK(control.termseq[0].wait == 10ms);
    CHECK(control.delay == 200ms);
    CHECK(control.retries == 2);
    CHECK(control.halt.when == fanout::HaltPolicy::When::now);
    CHECK(control.gate.min_free == 2000U); // "2k": a lower-case k is 1000, as GNU parallel
    CHECK(control.gate.max_load == 3.0);
}

TEST_CASE("options: defaults")
{
    fanout::Options options = parse({"echo"});
    CHECK_FALSE(options.jobs);
    CHECK(options.control.termseq.size() == 4); // TERM,200,TERM,100,TERM,50,KILL,25
    CHECK(options.control.halt.when == fanout::HaltPolicy::When::never);
    CHECK(options.output_mode == fanout::OutputMode::group);
    CHECK(options.batch.max_records == 1);
    CHECK(options.command.syntax.append_args);
}

TEST_CASE("options: -j is checked when parsed and sized by the CPUs later")
{
    fanout::Options options = parse({"-j", "50%", "true"});
    REQUIRE(options.jobs);
    CHECK(options.jobs->slots(8, 100) == 4);
    CHECK(options.jobs->slots(1, 100) == 1);
    CHECK(parse({"-j0", "true"}).jobs->slots(8, 100) == 100);
    CHECK(refusal({"-j", "abc", "true"}).starts_with("-j: invalid job count 'abc'"));
}

TEST_CASE("options: pipe settings and batching")
{
    fanout::Options options =
        parse({"--pipe", "--block", "1k", "-N", "3", "--recend", "\\t", "--header", "1", "wc"});
    CHECK(options.pipe);
    CHECK(options.blocks.block_size == 1000); // "1k", as GNU parallel
    CHECK(options.blocks.records == 3);
    CHECK(options.blocks.recend == "\t");
    CHECK(options.blocks.header_records == 1);
    CHECK_FALSE(options.command.syntax.append_args);
    CHECK(parse({"-N", "0", "echo"}).batch.drop_args);
    CHECK(parse({"-n", "5", "echo"}).batch.max_records == 5);
    CHECK(parse({"-X", "echo"}).batch.max_records == 0);
    CHECK(parse({"-X", "echo"}).batch.spread);
    CHECK(parse({"-m", "echo"}).batch.max_records == 0);
    CHECK(parse({"-m", "echo"}).batch.spread);
    CHECK(!parse({"-m", "echo"}).command.syntax.context_replace);
    CHECK(parse({"--xargs", "echo"}).batch.max_records == 0);
    CHECK(!parse({"--xargs", "echo"}).batch.spread);
    CHECK(parse({"-X", "-m", "echo"}).command.syntax.context_replace); // as GNU parallel: -X wins
    CHECK(!parse({"-n", "2", "echo"}).batch.spread);
}

TEST_CASE("options: output mode and progress take the strongest choice")
{
    CHECK(parse({"-k", "--lb", "echo"}).output_mode == fanout::OutputMode::keep_order);
    // GNU parallel evaluates a --tagstring's {= =} again for each line under --lb, -k or not.
    CHECK(parse({"-k", "--lb", "echo"}).command.tag_per_line);
    CHECK(parse({"--lb", "echo"}).command.tag_per_line);
    CHECK_FALSE(parse({"-k", "echo"}).command.tag_per_line);
    CHECK(parse({"-u", "echo"}).output_mode == fanout::OutputMode::ungroup);
    CHECK(parse({"--eta", "--bar", "--progress", "echo"}).reports.progress ==
          fanout::ReportSettings::Progress::bar);
    CHECK(parse({"--progress", "--eta", "echo"}).reports.progress == fanout::ReportSettings::Progress::eta);
}

TEST_CASE("options: a bad value or combination is refused in one line naming the option")
{
    const std::vector<std::pair<std::vector<const char*>, std::string>> cases = {
        {{"--delay", "soon", "true"}, "--delay: invalid value 'soon'"},
        {{"--timeout", "x", "true"}, "--timeout"},
        {{"--termseq", "BOGUS,1", "true"}, "--termseq"},
        {{"--halt", "sometimes", "true"}, "--halt"},
        {{"--memfree", "1q", "true"}, "--memfree: invalid size '1q'"},
        {{"--load", "-1", "true"}, "--load"},
        {{"--retries", "-1", "true"}, "--retries"},
        {{"-n", "x", "true"}, "-n/--max-args"},
        {{"--pipe", "--block", "0", "true"}, "--block"},
        {{"--color", "sometimes", "true"},
         "--color: invalid value 'sometimes' (expected auto, always or never)"},
        {{"--jobs"}, "-j/--jobs: no value given (expected N)"},
        {{"--tag=1", "true"}, "--tag: takes no value"},
        {{"--block", "1k", "true"}, "--block requires --pipe"},
        {{"--roundrobin", "true"}, "--round-robin requires --pipe"},
        {{"--resume-failed", "true"}, "--resume-failed requires --joblog"},
        {{"--results-output", "true"}, "--results-output requires --results"},
        {{"--jobserver", "--no-jobserver", "true"}, "--jobserver cannot be used with --no-jobserver"},
        {{"-0", "-d", "x", "true"}, "-0/--null cannot be used with -d/--delimiter"},
        {{"-n", "1", "-N", "1", "true"}, "-n/--max-args cannot be used with -N"},
        {{"-u", "--lb", "true"}, "--line-buffer cannot be used with -u/--ungroup"},
        {{"--tasks", "t.json", "-X"}, "-X cannot be used with --tasks"},
        {{"--tasks", "t.json", "--pipe"}, "--pipe cannot be used with --tasks"},
        {{"--pipe", "-n", "2", "wc"}, "--pipe: use -N RECORDS"},
        {{"--cleanup", "true"}, "need -S/--sshlogin or --sshloginfile"},
        {{"--workdir", "...", "true"}, "--workdir ...: a fresh directory per job"},
        {{"--env", "_", "true"}, "--env _: "},
        {{"-S", "1/host", "--env", "_", "true"}, "--env _: "},
        {{"--env", "A,b-c", "true"}, "--env: 'b-c' is not a variable name"},
        {{"-S", ":,1/host", "--wd", "...", "true"}, "--workdir ...: a fresh directory per job"},
        {{"-X"}, "-n, -N, -L, -X, -m and --xargs need a command"},
        {{"-m"}, "-n, -N, -L, -X, -m and --xargs need a command"},
        {{"-L", "1"}, "-n, -N, -L, -X, -m and --xargs need a command"},
        {{"--pipe", "--halt", "soon,fail=10%", "cat"}, "--halt N%: a share of all jobs"},
        {{"-a", "f", "echo", ":::+", "1"}, "':::+' cannot be used with -a"},
        {{"-a", "f", "echo", "::::", "g", "::::+", "h"}, "'::::+' cannot be used with -a"},
        {{"-r", "--pipe", "wc"}, "-r: --pipe"},
    };
    for (const auto& [words, needle] : cases) {
        CAPTURE(words.front());
        std::string message = refusal(words);
        CHECK(message.find(needle) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("options: --workdir and --env of local jobs")
{
    fanout::Options options = parse({"--wd", "out/{}", "--env", "FANOUT_UNSET_HERE,PATH", "true"});
    CHECK(options.command.workdir == std::optional<std::string>("out/{}"));
    CHECK(options.remote.env.empty());
    CHECK(options.remote.workdir.empty());
    CHECK_FALSE(parse({"--wd", ".", "true"}).command.workdir.has_value());
}

TEST_CASE("options: --workdir and --env of remote jobs")
{
    fanout::Options options = parse({"-S", "1/host", "--wd", "w/{}", "--env", "PATH", "true"});
    CHECK(options.command.workdir == std::optional<std::string>("w/{}")); // filled in per job
    CHECK(options.remote.workdir == "w/{}");
    REQUIRE(options.remote.env.size() == 1);
    CHECK(options.remote.env[0].first == "PATH");
    fanout::Options fresh = parse({"-S", "1/host", "--wd", "...", "true"});
    CHECK_FALSE(fresh.command.workdir.has_value());
    CHECK(fresh.remote.workdir == "...");
    CHECK(refusal({"-S", "1/host", "--env", "FANOUT_UNSET_HERE", "true"})
              .find("FANOUT_UNSET_HERE is not set") != std::string::npos);
}

TEST_CASE("options: --transfer and --trc send {} as -I spells it")
{
    fanout::Options options = parse({"-S", "1/host", "-I", "@@", "--trc", "@@.out", "cat", "@@"});
    CHECK(options.command.transfer_files == std::vector<std::string>{"@@"});
    CHECK(options.command.return_files == std::vector<std::string>{"@@.out"});
    CHECK(options.remote.cleanup);
}

TEST_CASE("options: ':::+' and '::::+' link a source to the one before it")
{
    fanout::Options options =
        parse({"echo", ":::+", "a", ":::", "1", ":::+", "x", "::::+", "f", "g", "::::", "h"});
    const auto& sources = options.input.sources;
    REQUIRE(sources.size() == 6);
    CHECK_FALSE(sources[0].linked); // nothing before it to link to: ':::', as in GNU parallel
    CHECK_FALSE(sources[1].linked);
    CHECK(sources[2].linked);
    CHECK(sources[2].args == std::vector<std::string>{"x"});
    CHECK(sources[3].linked);
    CHECK(sources[3].path == "f");
    CHECK(sources[4].linked); // every file after '::::+'
    CHECK_FALSE(sources[5].linked);
    CHECK(options.command.command == std::vector<std::string>{"echo"});
}

TEST_CASE("options: -r skips blank records")
{
    CHECK(parse({"-r", "echo"}).input.skip_blank);
    CHECK_FALSE(parse({"echo"}).input.skip_blank);
}

TEST_CASE("options: a single-value option given twice takes the last, as GNU parallel")
{
    fanout::Options options = parse({"-j", "2", "--jobs", "3", "--retries", "1", "--retries", "4", "true"});
    REQUIRE(options.jobs);
    CHECK(options.jobs->slots(8, 100) == 3);
    CHECK(options.control.retries == 4);
    // Repeatable options still gather every value.
    CHECK(parse({"-a", "x", "-a", "y", "true"}).input.sources.size() == 2);
}

TEST_CASE("options: GNU parallel's and xargs' spellings")
{
    CHECK(parse({"--max-procs", "5", "true"}).jobs->slots(8, 100) == 5);
    CHECK(parse({"--dryrun", "true"}).dry_run);
    CHECK(parse({"--linebuffer", "true"}).output_mode == fanout::OutputMode::line_buffer);
    CHECK(parse({"--will-cite", "--no-notice", "true"}).command.command.size() == 1);
    fanout::Options none = parse({"-n", "0", "true"});
    CHECK(none.batch.drop_args);
    using Format = fanout::ReportSettings::ResultsFormat;
    auto results = [](const char* name) { return *parse({"--res", name, "true"}).reports.results; };
    CHECK(results("-.json").path == "-");
    CHECK(results("-.json").format == Format::gnu_json);
    CHECK(results("-.csv").format == Format::csv);
    CHECK(results("x.TSV").format == Format::tsv);
    CHECK(results("-").format == Format::json_lines);
    CHECK(results("r.jsonl").format == Format::json_lines);
    CHECK(results("out").format == Format::tree);
    CHECK(results("out/{1}/").format == Format::tree);
    CHECK(results(".jsonl").format == Format::tree);
    CHECK(parse({"--files", "true"}).reports.files);
    CHECK(parse({"--output-as-files", "true"}).reports.files);
}

TEST_CASE("options: what fanout does not take is refused by name")
{
    CHECK(refusal({"--results", "x.csv", "--results-output", "true"}).starts_with("--results-output"));
    CHECK(refusal({"--files", "-u", "true"}).starts_with("--files cannot be used with -u"));
    CHECK(refusal({"--fifo", "true"}) ==
          "unknown option '--fifo': fanout does not support it; nearest: --pipe "
          "(each block on the job's stdin)");
    CHECK(refusal({"--nice=3", "true"}).starts_with("unknown option '--nice'"));
    CHECK(refusal({"--parens", "{==}", "echo"}) ==
          "unknown option '--parens': fanout does not support it; nearest: {= =} (perl expressions have no "
          "other delimiters)");
    CHECK(refusal({"--rpl", "{..}", "echo"}) == "--rpl '{..}': expected 'TAG perl-expression'");
}

TEST_CASE("options: --rpl adds tags, each 'TAG perl' split at the first space")
{
    fanout::Options options = parse({"--rpl", "{..} s/a/b/; s/c d//", "--rpl=%\tuq()", "echo"});
    const auto& rpl = options.command.syntax.names.rpl;
    REQUIRE(rpl.size() == 2);
    CHECK(rpl[0].tag == "{..}");
    CHECK(rpl[0].code == "s/a/b/; s/c d//");
    CHECK(rpl[1].tag == "%");
    CHECK(rpl[1].code == "uq()");
}

TEST_CASE("options: -e and --eof take only an attached value, as in xargs")
{
    CHECK(parse({"-E", "STOP", "echo"}).input.eof == "STOP");
    CHECK(parse({"-eSTOP", "echo"}).input.eof == "STOP");
    CHECK(parse({"--eof=STOP", "echo"}).input.eof == "STOP");
    fanout::Options bare = parse({"-ke", "echo", "x"});
    CHECK(bare.input.eof.empty());
    CHECK(bare.command.command == std::vector<std::string>{"echo", "x"});
    CHECK(parse({"--eof", "echo"}).command.command == std::vector<std::string>{"echo"});
    CHECK(parse({"echo", "-e", "x"}).command.command == std::vector<std::string>{"echo", "-e", "x"});
    CHECK(refusal({"-E", "0", "echo"}).starts_with("-E/--eof: '0' is refused"));
    CHECK(refusal({"--pipe", "-E", "x", "cat"}).starts_with("-E/--eof: --pipe"));
}

TEST_CASE("options: -i and --replace are -I with an attached value only, as in xargs")
{
    CHECK(parse({"-iXX", "echo"}).command.syntax.names.all == "XX");
    CHECK(parse({"--replace=XX", "echo"}).command.syntax.names.all == "XX");
    fanout::Options bare = parse({"-i", "echo", "x{}"});
    CHECK(bare.command.syntax.names.all == "{}");
    CHECK(bare.command.command == std::vector<std::string>{"echo", "x{}"});
    CHECK(parse({"-i", "-I", "XX", "echo"}).command.syntax.names.all == "XX");
    CHECK(refusal({"-I", "XX", "-iYY", "echo"}).starts_with("-i/--replace STR cannot be used with -I"));
}

TEST_CASE("options: --name= is never the next word: empty for -e, -i and -l, refused elsewhere (as GNU)")
{
    // CLI11 alone would take the command's first word as the value of --name=.
    fanout::Options eof = parse({"--eof=", "echo", "x"});
    CHECK(eof.input.eof.empty());
    CHECK(eof.command.command == std::vector<std::string>{"echo", "x"});
    fanout::Options replace = parse({"--replace=", "echo", "x{}"});
    CHECK(replace.command.syntax.names.all == "{}");
    CHECK(replace.command.command == std::vector<std::string>{"echo", "x{}"});
    fanout::Options lines = parse({"--max-lines=", "echo"});
    CHECK(lines.batch.max_records == 1);
    CHECK(lines.command.command == std::vector<std::string>{"echo"});
    CHECK(refusal({"--tagstring=", "echo", "x"}) == "--tagstring: no value given after '=' (expected STR)");
    CHECK(refusal({"--max-args=", "echo"}).starts_with("-n/--max-args: no value given after '='"));
    CHECK(refusal({"--arg-file=", "echo"}).starts_with("-a/--arg-file: no value given after '='"));
}

TEST_CASE("options: -L N is -N N with -X's context, -l and --max-lines take only an attached N")
{
    fanout::Options options = parse({"-L", "2", "echo"});
    CHECK(options.batch.max_records == 2);
    CHECK(options.command.syntax.context_replace);
    CHECK_FALSE(options.batch.spread);
    CHECK(options.input.join_continued);
    CHECK(parse({"-l", "echo"}).batch.max_records == 1);
    CHECK(parse({"-l", "echo"}).command.command == std::vector<std::string>{"echo"});
    CHECK(parse({"-l0", "echo"}).batch.max_records == 1);
    CHECK(parse({"--max-lines=3", "echo"}).batch.max_records == 3);
    CHECK(refusal({"-L", "0", "echo"}).starts_with("-L: invalid value '0'"));
    CHECK(refusal({"-L", "2", "-n", "2", "echo"}).starts_with("-L/-l/--max-lines cannot be used with -n"));
    CHECK(refusal({"--pipe", "-L", "2", "cat"}).starts_with("-L/-l/--max-lines: with --pipe"));
}
