# bash completion for fanout(1)                              -*- shell-script -*-
#
# Install as $(pkg-config --variable=completionsdir bash-completion)/fanout, or
# source this file. Works with and without the bash-completion package.

# Options that take a value in the next word (or after '=' for long ones).
_fanout_opts_with_arg='-a --arg-file -d --delimiter -C --colsep --trim -E -L -I --er --extensionreplace --bnr --basenamereplace --dnr --dirnamereplace --bner --basenameextensionreplace --seqreplace --slotreplace --rpl
    -n --max-args -N
    --max-replace-args -s --max-chars --shell -j -P --jobs --max-procs --process-slot-var --tagstring --timeout --termseq --term-seq
    --retries --delay --halt --halt-on-error --joblog --jl --results --res --junit --load --memfree
    --color --colour --block --block-size --recend --recstart --header --tasks
    -S --sshlogin --sshloginfile --slf --ssh --env --workdir --wd --transferfile --tf
    --return --trc --cpus-per-task --tmpdir --tempdir
    --semaphorename --semaphore-name --id --semaphoretimeout --semaphore-timeout --st'

_fanout_opts='-a --arg-file -0 --null -d --delimiter -C --colsep --csv --trim --link --xapply
    -E -e --eof -r --no-run-if-empty -I -i --replace --er --extensionreplace --bnr --basenamereplace --dnr --dirnamereplace --bner --basenameextensionreplace --seqreplace --slotreplace --rpl
    -L -l --max-lines -n --max-args -N --max-replace-args -X -m --xargs -s --max-chars -q --quote --shell --plus
    -j -P --jobs --max-procs --process-slot-var --load --memfree --jobserver --no-jobserver --serve-jobserver --dry-run --dryrun -t --verbose
    --timeout --termseq --term-seq --retries --delay --halt --halt-on-error --group
    -k --keep-order --line-buffer --lb --linebuffer -u --ungroup --color --colour --tag
    --tagstring --joblog --jl --resume --resume-failed --results --res
    --results-output --files --output-as-files --outputasfiles --junit --progress --bar --eta --pipe --spreadstdin --block
    --block-size --recend --recstart --regexp --regex --header --round-robin --roundrobin --round --tasks
    -S --sshlogin --sshloginfile --slf --ssh --env --workdir --wd --transferfile --tf
    --transfer --return --cleanup --trc --slurm --cpus-per-task --slurm-worker -h --help -V --version --will-cite --no-notice --tmpdir --tempdir
    --semaphore --sem --semaphorename --semaphore-name --id --fg --bg --wait --semaphoretimeout
    --semaphore-timeout --st'

# Completes command names into COMPREPLY.
_fanout_commands()
{
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -c -- "$1" | sort -u))
}

# Completes file names into COMPREPLY.
_fanout_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir
    else
        compopt -o filenames 2>/dev/null
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$1"))
    fi
}

_fanout_takes_arg()
{
    local o
    for o in $_fanout_opts_with_arg; do
        [[ $1 == "$o" ]] && return 0
    done
    return 1
}

# Completes the value of option $1, with $2 typed so far.
_fanout_option_value()
{
    case $1 in
        -a | --arg-file | --shell | --joblog | --jl | --results | --res | --junit | --tasks | --sshloginfile | --slf | \
            --transferfile | --tf | --return | --trc)
            _fanout_files "$2"
            ;;
        -S | --sshlogin)
            # Host names this user's ssh knows, as bash-completion finds them.
            if declare -F _known_hosts_real >/dev/null; then
                _known_hosts_real -- "$2"
            else
                COMPREPLY=($(compgen -A hostname -- "$2"))
            fi
            ;;
        --ssh)
            _fanout_commands "$2"
            ;;
        --env)
            COMPREPLY=($(compgen -v -- "$2"))
            ;;
        --workdir | --wd)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -W '. ...' -- "$2"))
            ;;
        --block | --block-size)
            COMPREPLY=($(compgen -W '512K 1M 10M 100M 1G' -- "$2"))
            ;;
        --recend | --recstart)
            COMPREPLY=($(compgen -W '\\n \\r\\n \\0 \\t' -- "$2"))
            ;;
        --header)
            COMPREPLY=($(compgen -W ': 1 2' -- "$2"))
            ;;
        --trim)
            COMPREPLY=($(compgen -W 'n l r lr rl' -- "$2"))
            ;;
        --timeout)
            COMPREPLY=($(compgen -W '10 30s 500ms 5m 1h 200%' -- "$2"))
            ;;
        --delay)
            COMPREPLY=($(compgen -W '0.1 0.5 1 200ms 2s' -- "$2"))
            ;;
        --termseq | --term-seq)
            COMPREPLY=($(compgen -W 'TERM,200,TERM,100,TERM,50,KILL,25 TERM,1000,KILL,25 INT,1000,KILL,25' -- "$2"))
            ;;
        --load)
            COMPREPLY=($(compgen -W '1 2 4 8 50% 100%' -- "$2"))
            ;;
        --memfree)
            COMPREPLY=($(compgen -W '500M 1G 2G 4G' -- "$2"))
            ;;
        --color | --colour)
            COMPREPLY=($(compgen -W 'auto always never' -- "$2"))
            ;;
        --retries)
            COMPREPLY=($(compgen -W '1 2 3 5' -- "$2"))
            ;;
        --cpus-per-task)
            COMPREPLY=($(compgen -W '1 2 4 8 16' -- "$2"))
            ;;
        --halt | --halt-on-error)
            COMPREPLY=($(compgen -W 'never now,fail=1 soon,fail=1 now,success=1 soon,success=1
                now,done=1 soon,done=1 now,fail=10% soon,fail=10%' -- "$2"))
            # Readline replaces only what follows the last '=' of the word.
            if [[ $2 == *=* && $COMP_WORDBREAKS == *=* ]]; then
                local prefix=${2%=*}= i
                for i in "${!COMPREPLY[@]}"; do
                    COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
                done
            fi
            ;;
        --tmpdir | --tempdir)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$2"))
            ;;
        -j | -P | --jobs | --max-procs)
            local n
            n=$(nproc 2>/dev/null || echo 4)
            COMPREPLY=($(compgen -W "$(printf '%s\n' 0 1 2 4 8 "$n" "$((n * 2))" | sort -nu) 50% 100% +1 -1" -- "$2"))
            ;;
        -d | --delimiter)
            COMPREPLY=($(compgen -W '\\n \\t \\0 , ; :' -- "$2"))
            ;;
        --semaphorename | --semaphore-name | --id)
            # The names in use: this user's semaphore directories (their %XX escapes undone).
            local dir=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/fanout-semaphores} names
            dir=${dir:-$HOME/.fanout-semaphores}
            names=$(ls "$dir" 2>/dev/null | while IFS= read -r n; do printf '%b\n' "${n//%/\\x}"; done)
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$names" -- "$2"))
            ;;
        --semaphoretimeout | --semaphore-timeout | --st)
            COMPREPLY=($(compgen -W '10 60 5m -10 -60' -- "$2"))
            ;;
        *)
            COMPREPLY=() # -C, -I, -n, -N, -s, --tagstring: free text
            ;;
    esac
}

_fanout()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        # -n : keeps ':::' and '::::' whole; -n = keeps --opt=value whole.
        _init_completion -n :=  || return
    else
        # Readline splits words at ':' and '='; split the line at blanks only.
        local line=${COMP_LINE:0:COMP_POINT}
        read -ra words <<<"$line"
        [[ $line == *[[:blank:]] || ${#words[@]} -eq 0 ]] && words+=("")
        cword=$((${#words[@]} - 1))
        cur=${words[cword]}
        prev=${words[cword - 1]}
    fi
    COMPREPLY=()

    # Find where the command starts (the first word that is not an option or
    # an option's value), and the last ':::' or '::::' before the cursor.
    local i=1 command_at=0 separator= value_of=
    while ((i < cword)); do
        local w=${words[i]}
        if ((command_at == 0)); then
            if [[ $w == -- ]]; then
                command_at=$((i + 1))
            elif [[ $w == :::* ]]; then
                command_at=$i # no command: sources only
                separator=$w
            elif [[ $w == -?* ]]; then
                if [[ $w != *=* ]] && _fanout_takes_arg "$w"; then
                    ((i + 1 == cword)) && value_of=$w
                    ((i++))
                fi
            else
                command_at=$i
            fi
        elif [[ $w == ::: || $w == :::: ]]; then
            separator=$w
        fi
        ((i++))
    done

    if ((command_at == 0)); then
        # Still among fanout's own options.
        if [[ $cur == --*=* ]]; then
            local opt=${cur%%=*}
            cur=${cur#*=} # readline replaces only what follows the '='
            _fanout_option_value "$opt" "$cur"
            return
        fi
        if [[ -n $value_of ]]; then
            _fanout_option_value "$value_of" "$cur"
            return
        fi
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$_fanout_opts" -- "$cur"))
            return
        fi
        # The command itself.
        _fanout_commands "$cur"
        return
    fi

    if [[ $separator == :::: ]]; then
        _fanout_files "$cur" # argument files
    elif [[ $separator == ::: ]]; then
        _fanout_files "$cur" # plain values: nothing special, file names help most
    elif ((cword == command_at)); then
        _fanout_commands "$cur"
    else
        _fanout_files "$cur" # the command's initial arguments
    fi
} &&
    complete -F _fanout fanout

# ex: filetype=sh
