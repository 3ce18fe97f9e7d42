# fish completion for fanout(1). Install into a directory on $fish_complete_path
# (for example ~/.config/fish/completions/fanout.fish).

# True while the command line is still in fanout's own options: no command word,
# '--', ':::' or '::::' yet.
function __fanout_in_options
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l takes_arg -a --arg-file -d --delimiter -C --colsep --trim -E -L -I --er --extensionreplace --bnr --basenamereplace --dnr --dirnamereplace --bner --basenameextensionreplace --seqreplace --slotreplace --rpl \
        -n --max-args -N \
        --max-replace-args -s --max-chars --shell -j -P --jobs --max-procs --process-slot-var --tagstring --timeout --termseq --term-seq \
        --retries --delay --halt --halt-on-error --joblog --jl --results --res --junit --load --memfree \
        --color --colour --block --block-size --recend --recstart --header --tasks \
        -S --sshlogin --sshloginfile --slf --ssh --env --workdir --wd --transferfile --tf \
        --return --trc --cpus-per-task --tmpdir --tempdir \
        --semaphorename --semaphore-name --id --semaphoretimeout --semaphore-timeout --st
    set -l skip 0
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case -- -- ::: ::::
                return 1
            case '--*=*'
                continue
            case '-*'
                if contains -- $t $takes_arg
                    set skip 1
                end
            case '*'
                return 1
        end
    end
    return 0
end

# True when the token being completed is the command itself (first word after the options).
function __fanout_at_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l takes_arg -a --arg-file -d --delimiter -C --colsep --trim -E -L -I --er --extensionreplace --bnr --basenamereplace --dnr --dirnamereplace --bner --basenameextensionreplace --seqreplace --slotreplace --rpl \
        -n --max-args -N \
        --max-replace-args -s --max-chars --shell -j -P --jobs --max-procs --process-slot-var --tagstring --timeout --termseq --term-seq \
        --retries --delay --halt --halt-on-error --joblog --jl --results --res --junit --load --memfree \
        --color --colour --block --block-size --recend --recstart --header --tasks \
        -S --sshlogin --sshloginfile --slf --ssh --env --workdir --wd --transferfile --tf \
        --return --trc --cpus-per-task --tmpdir --tempdir \
        --semaphorename --semaphore-name --id --semaphoretimeout --semaphore-timeout --st
    set -l skip 0
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case --
                # The next word is the command, unless one is already there.
                set skip 2
            case ::: ::::
                return 1
            case '--*=*'
                test $skip -eq 2; and return 1
            case '-*'
                test $skip -eq 2; and return 1
                if contains -- $t $takes_arg
                    set skip 1
                end
            case '*'
                return 1
        end
    end
    return 0
end

# The last ':::' or '::::' before the cursor, if any.
function __fanout_last_separator
    set -l tokens (commandline -opc)
    for i in (seq (count $tokens) -1 1)
        if contains -- $tokens[$i] ::: ::::
            echo $tokens[$i]
            return 0
        end
    end
    return 1
end

function __fanout_jobs
    set -l n (nproc 2>/dev/null; or echo 4)
    printf '%s\t%s\n' 0 'as many as possible' $n 'one per usable CPU' (math $n \* 2) 'two per usable CPU' \
        50% 'half the usable CPUs' 100% 'one per usable CPU' +1 'one more than the usable CPUs' \
        -1 'one fewer than the usable CPUs'
end

function __fanout_halt
    printf '%s\t%s\n' never 'run every job (the default)' \
        now,fail=1 'stop at the first failure, killing running jobs' \
        soon,fail=1 'stop at the first failure, letting running jobs finish' \
        now,success=1 'stop at the first success, killing running jobs' \
        soon,success=1 'stop at the first success, letting running jobs finish' \
        now,done=1 'stop when one job has ended, killing running jobs' \
        soon,done=1 'stop when one job has ended, letting running jobs finish' \
        now,fail=10% 'stop when 10% of the jobs failed, killing running jobs' \
        soon,fail=10% 'stop when 10% of the jobs failed, letting running jobs finish'
end

complete -c fanout -e
# Outside the options nothing is completed unless a rule below says so.
complete -c fanout -f

set -l opt '__fanout_in_options'

# Input
complete -c fanout -n $opt -s a -l arg-file -r -F -d "Read arguments from FILE ('-' is stdin); repeatable"
complete -c fanout -n $opt -s 0 -l null -d 'Records end with NUL, not newline'
complete -c fanout -n $opt -s d -l delimiter -r -f -d 'Records end with DELIM (one byte)'
complete -c fanout -n $opt -s C -l colsep -r -f -d 'Split each record into columns {1} {2} ... at REGEX'
complete -c fanout -n $opt -l csv -d 'Records are CSV; --colsep gives the separator (default ,)'
complete -c fanout -n $opt -l trim -x -a 'n l r lr rl' -d 'Remove white space from the ends of each value or column'
complete -c fanout -n $opt -l link -d 'Pair input sources value by value instead of combining them all'
complete -c fanout -n $opt -l xapply -d 'Same as --link'
complete -c fanout -n $opt -s E -r -f -d 'Stop reading each input source at a record equal to STR'
complete -c fanout -n $opt -s e -l eof -f -d 'Same as -E, with the value attached only (-eSTR, --eof=STR)'
complete -c fanout -n $opt -s r -l no-run-if-empty -d 'Skip blank records (white space only)'

# Command
complete -c fanout -n $opt -s I -r -f -d 'Use STR instead of {} as the replacement string'
complete -c fanout -n $opt -s i -l replace -f -d 'As -I STR, with STR attached only (-iSTR, --replace=STR); alone: {}'
complete -c fanout -n $opt -l er -l extensionreplace -r -f -d 'Use STR instead of {.} as the replacement string'
complete -c fanout -n $opt -l bnr -l basenamereplace -r -f -d 'Use STR instead of {/} as the replacement string'
complete -c fanout -n $opt -l dnr -l dirnamereplace -r -f -d 'Use STR instead of {//} as the replacement string'
complete -c fanout -n $opt -l bner -l basenameextensionreplace -r -f -d 'Use STR instead of {/.} as the replacement string'
complete -c fanout -n $opt -l seqreplace -r -f -d 'Use STR instead of {#} as the replacement string'
complete -c fanout -n $opt -l slotreplace -r -f -d 'Use STR instead of {%} as the replacement string'
complete -c fanout -n $opt -l rpl -r -f -d 'TAG stands for {= PERL =}'
complete -c fanout -n $opt -s n -l max-args -r -f -d 'At most N arguments per job'
complete -c fanout -n $opt -s N -r -f -d 'Exactly N arguments per job, as {1}..{N} (0: none)'
complete -c fanout -n $opt -l max-replace-args -r -f -d 'Same as -N'
complete -c fanout -n $opt -s L -r -f -d 'N records per job, as -N with -X context; a record ending in a blank goes on'
complete -c fanout -n $opt -s l -l max-lines -f -d 'As -L N, N attached only (-lN, --max-lines=N); alone: -L 1'
complete -c fanout -n $opt -s X -d 'As many arguments per job as fit, repeating the word around {}; spread over the job slots'
complete -c fanout -n $opt -s m -d 'As many arguments per job as fit, as separate words in place of {}; spread over the job slots'
complete -c fanout -n $opt -l xargs -d 'As many arguments per job as fit, as separate words in place of {}'
complete -c fanout -n $opt -s s -l max-chars -r -f -d 'At most N characters per command line'
complete -c fanout -n $opt -s q -l quote -d 'Run the command words as they are, never through a shell'
complete -c fanout -n $opt -l shell -r -F -d 'Run every command through this shell'
complete -c fanout -n $opt -l plus -d "Also take GNU parallel's --plus replacement strings ({+/} {..} {##} {:-STR} {/RE/STR}...)"

# Running
complete -c fanout -n $opt -s j -s P -l jobs -r -f -a '(__fanout_jobs)' -d 'Run N jobs at once: N, N%, +N, -N, 0'
complete -c fanout -n $opt -l max-procs -r -f -a '(__fanout_jobs)' -d 'Same as --jobs'
complete -c fanout -n $opt -l process-slot-var -x -d "Set NAME to the job's slot number less one (from 0), as xargs does"
complete -c fanout -n $opt -l load -x -a '1 2 4 8 50% 100%' \
    -d 'Start no job while the load average is above MAX (a number, or N% of the CPUs)'
complete -c fanout -n $opt -l memfree -x -a '500M 1G 2G 4G' -d 'Start no job while less than SIZE memory is available'
complete -c fanout -n $opt -l jobserver -d "Share GNU make's job slots even when -j is given (-j then caps)"
complete -c fanout -n $opt -l no-jobserver -d "Ignore GNU make's jobserver in MAKEFLAGS"
complete -c fanout -n $opt -l serve-jobserver -d "Share the -j slots with the jobs' own make, ninja or cargo through a GNU make jobserver"
complete -c fanout -n $opt -l dry-run -d 'Print each command instead of running it'
complete -c fanout -n $opt -l dryrun -d 'Same as --dry-run'
complete -c fanout -n $opt -s t -l verbose -d 'Print each command to stderr as it starts'
complete -c fanout -n $opt -l timeout -x -a '10 30s 500ms 5m 1h 200%' \
    -d 'Terminate a job after DURATION (30, 1.5s, 200ms, 2m) or N% of the median runtime'
complete -c fanout -n $opt -l termseq -x -a 'TERM,200,TERM,100,TERM,50,KILL,25 TERM,1000,KILL,25 INT,1000,KILL,25' \
    -d 'How to terminate a job: SIGNAL,MS,...'
complete -c fanout -n $opt -l term-seq -x -a 'TERM,200,TERM,100,TERM,50,KILL,25 TERM,1000,KILL,25 INT,1000,KILL,25' \
    -d 'Same as --termseq'
complete -c fanout -n $opt -l retries -x -a '2 3 5' -d 'Run a failed job up to N times in all'
complete -c fanout -n $opt -l delay -x -a '0.1 0.5 1 200ms 2s' -d 'Wait DURATION between job starts'
complete -c fanout -n $opt -l halt -x -a '(__fanout_halt)' -d 'Stop early: never, now|soon,fail|success|done=N or N%'
complete -c fanout -n $opt -l halt-on-error -x -a '(__fanout_halt)' -d 'Same as --halt'

# Output
complete -c fanout -n $opt -l group -d "Write each job's output whole when it ends (default)"
complete -c fanout -n $opt -s k -l keep-order -d 'Write output in input order'
complete -c fanout -n $opt -l line-buffer -d 'Write whole lines as they come'
complete -c fanout -n $opt -l lb -d 'Same as --line-buffer'
complete -c fanout -n $opt -l linebuffer -d 'Same as --line-buffer'
complete -c fanout -n $opt -s u -l ungroup -d 'Pass output straight through (may mix lines)'
complete -c fanout -n $opt -l color -x -a 'auto always never' -d 'Colour --tag prefixes and the failure summary'
complete -c fanout -n $opt -l colour -x -a 'auto always never' -d 'Same as --color'
complete -c fanout -n $opt -l tag -d "Prefix each output line with the job's arguments and a tab"
complete -c fanout -n $opt -l tagstring -r -f -d 'Prefix each output line with STR (replacement strings and octal or tab escapes allowed)'

# Reports
complete -c fanout -n $opt -l joblog -r -F -d "Log each finished job to FILE (GNU parallel's format; +FILE appends)"
complete -c fanout -n $opt -l jl -r -F -d 'Same as --joblog'
complete -c fanout -n $opt -l resume -d 'Skip jobs the --joblog shows as run'
complete -c fanout -n $opt -l resume-failed -d 'Skip jobs the --joblog shows as succeeded; run the rest'
complete -c fanout -n $opt -l results -r -F -d "Save each job's output and exit: DIR (GNU parallel's tree), *.csv, *.tsv, *.json, *.jsonl or -"
complete -c fanout -n $opt -l res -r -F -d 'Same as --results'
complete -c fanout -n $opt -l results-output -d "Include each job's output in --results *.jsonl or -"
complete -c fanout -n $opt -l files -d "Save each job's stdout in a file in --tmpdir and print its name instead"
complete -c fanout -n $opt -l output-as-files -d 'Same as --files'
complete -c fanout -n $opt -l outputasfiles -d 'Same as --files'
complete -c fanout -n $opt -l junit -r -F -d 'Write a JUnit XML report to FILE'
complete -c fanout -n $opt -l progress -d 'Show a status line on stderr (on a terminal)'
complete -c fanout -n $opt -l bar -d 'Show a progress bar on stderr (on a terminal)'
complete -c fanout -n $opt -l eta -d 'Show progress with the estimated time left on stderr (on a terminal)'

# Pipe and tasks
complete -c fanout -n $opt -l pipe -d "Cut the input into blocks and write each block to one job's stdin"
complete -c fanout -n $opt -l spreadstdin -d 'Same as --pipe'
complete -c fanout -n $opt -l block -x -a '512K 1M 10M 100M 1G' -d '--pipe: blocks of about SIZE bytes (default 1M)'
complete -c fanout -n $opt -l block-size -x -a '512K 1M 10M 100M 1G' -d 'Same as --block'
complete -c fanout -n $opt -l recend -r -f -d "--pipe: records end with STR (default \\n; '' cuts anywhere)"
complete -c fanout -n $opt -l recstart -r -f -d '--pipe: records start with STR'
complete -c fanout -n $opt -l regexp -d '--pipe: --recend and --recstart are Perl regular expressions'
complete -c fanout -n $opt -l regex -d 'Same as --regexp'
complete -c fanout -n $opt -l header -x -a ': 1 2' -d 'First record of each source names its columns; --pipe: repeat the first N records'
complete -c fanout -n $opt -l round-robin -d '--pipe: keep -j jobs running and feed the blocks to them in turn'
complete -c fanout -n $opt -l roundrobin -d 'Same as --round-robin'
complete -c fanout -n $opt -l round -d 'Same as --round-robin'
complete -c fanout -n $opt -l tasks -r -F -d "Run the tasks of a JSON Lines file or JSON array ('-' is stdin)"

# Remote hosts
complete -c fanout -n $opt -s S -l sshlogin -x -a '(__fish_print_hostnames)' -d "Run jobs on [N/][user@]host[:port] over ssh (':' is here)"
complete -c fanout -n $opt -l sshloginfile -r -F -d "Read hosts from FILE, one per line ('#' comments)"
complete -c fanout -n $opt -l slf -r -F -d 'Same as --sshloginfile'
complete -c fanout -n $opt -l ssh -x -a '(__fish_complete_command)' -d 'The ssh program and its options (default ssh)'
complete -c fanout -n $opt -l env -x -a '(set -n)' -d 'Pass our variable NAME to the jobs (remote ones need it)'
complete -c fanout -n $opt -l workdir -x -a '(__fish_complete_directories) . ...' -d "Run jobs in DIR, made if missing ('.' here, '...' a fresh one, -S)"
complete -c fanout -n $opt -l wd -x -a '(__fish_complete_directories) . ...' -d 'Same as --workdir'
complete -c fanout -n $opt -l transferfile -r -F -d 'Send FILE (replacement strings allowed) to the host first'
complete -c fanout -n $opt -l tf -r -F -d 'Same as --transferfile'
complete -c fanout -n $opt -l transfer -d 'Send the input file {} to the host first'
complete -c fanout -n $opt -l return -r -F -d 'Fetch FILE (replacement strings allowed) back after the job'
complete -c fanout -n $opt -l cleanup -d 'Remove sent and fetched files from the host after the job'
complete -c fanout -n $opt -l trc -r -F -d 'Shorthand for --transfer --return FILE --cleanup'

# Slurm
complete -c fanout -n $opt -l slurm -d 'Run the jobs on the nodes of the Slurm allocation we are in (salloc, sbatch)'
complete -c fanout -n $opt -l cpus-per-task -x -a '1 2 4 8 16' -d 'With --slurm: count each job for N CPUs of its node (default 1)'
complete -c fanout -n $opt -l slurm-worker -d 'Internal: the worker --slurm starts on each node'

# Semaphore (GNU sem)
complete -c fanout -n $opt -l semaphore -d 'Run the command once, holding one of -j slots of a named semaphore'
complete -c fanout -n $opt -l sem -d 'Same as --semaphore'
complete -c fanout -n $opt -l semaphorename -x -d "The semaphore's name (default: the terminal's)"
complete -c fanout -n $opt -l semaphore-name -x -d 'Same as --semaphorename'
complete -c fanout -n $opt -l id -x -d 'Same as --semaphorename'
complete -c fanout -n $opt -l fg -d 'Run the command here and exit with its status'
complete -c fanout -n $opt -l bg -d 'Run the command in the background, exit 0 once it started (default)'
complete -c fanout -n $opt -l wait -d 'Wait until the semaphore is idle; exit with the failures since the last --wait'
complete -c fanout -n $opt -l semaphoretimeout -x -a '10 60 5m -10 -60' -d 'Wait at most SECS for a slot, then run anyway; -SECS: exit 1'
complete -c fanout -n $opt -l semaphore-timeout -x -a '10 60 5m -10 -60' -d 'Same as --semaphoretimeout'
complete -c fanout -n $opt -l st -x -a '10 60 5m -10 -60' -d 'Same as --semaphoretimeout'

complete -c fanout -n $opt -s h -l help -d 'Print a summary of the options and exit'
complete -c fanout -n $opt -s V -l version -d 'Print the version and exit'
complete -c fanout -n $opt -l will-cite -d 'Accepted for GNU parallel: fanout prints no citation notice'
complete -c fanout -n $opt -l no-notice -d 'Same as --will-cite'
complete -c fanout -n $opt -l tmpdir -r -f -a '(__fish_complete_directories)' -d 'Put temp files in DIR, and set TMPDIR to DIR for the jobs'
complete -c fanout -n $opt -l tempdir -r -f -a '(__fish_complete_directories)' -d 'Same as --tmpdir'

# The command, then its arguments; after '::::' argument files; after ':::' plain
# values (file names are the usual guess).
complete -c fanout -n '__fanout_at_command' -x -a '(__fish_complete_command)'
complete -c fanout -n 'not __fanout_in_options; and not __fanout_at_command' -F
