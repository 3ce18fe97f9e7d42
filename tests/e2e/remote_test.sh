# Remote execution over real OpenSSH servers on loopback (sshd_lib.sh): three hosts give
# the same output as a local run; N/ slots and the remote CPU count are respected; one
# multiplexed connection per host; hostile arguments survive the round trip; --env,
# --workdir, --transferfile/--return/--cleanup; the joblog's Host; remote exit codes; a
# host that cannot be reached, or is killed mid-run, loses no job; Ctrl-C leaves nothing
# running on the hosts, even while logging in; bad -S values and login files are usage
# errors.
# shellcheck source=lib.sh disable=SC1083,SC2016 # literal braces and unexpanded $ are the point
source "$(dirname "$0")/lib.sh"
# shellcheck source=sshd_lib.sh
source "$FANOUT_SRC/tests/e2e/sshd_lib.sh"

export LC_ALL=C
RUN_TIMEOUT=120

# --- usage errors need no server ---------------------------------------------------------
run "$FANOUT" -S '0/host1' echo ::: a
assert_usage_error "-S 0/host" "slots"
run "$FANOUT" -S 'host1:99999' echo ::: a
assert_usage_error "-S host:99999" "port"
run "$FANOUT" -S 'host1,,host2' echo ::: a
assert_usage_error "-S with an empty entry" "empty host name"
run "$FANOUT" -S '-oProxyCommand=x' echo ::: a
assert_usage_error "-S naming an ssh option" "not a host name"
printf '# hosts\nhost1\n\n2/bad host\n' >bad_logins
run "$FANOUT" --sshloginfile bad_logins echo ::: a
assert_usage_error "--sshloginfile with a bad line" "bad_logins:4"
run "$FANOUT" --sshloginfile no_such_file echo ::: a
assert_usage_error "--sshloginfile that does not exist" "no_such_file"
run "$FANOUT" --cleanup echo ::: a
assert_usage_error "--cleanup without -S" "-S/--sshlogin"
run "$FANOUT" -S host1 --env _ echo ::: a
assert_usage_error "--env _ is not a variable to look up" "--env _"
run "$FANOUT" -S host1 --env NO_SUCH_VARIABLE_HERE echo ::: a
assert_usage_error "--env of an unset variable" "NO_SUCH_VARIABLE_HERE"
run "$FANOUT" -S host1 --pipe cat
assert_usage_error "--pipe with -S" "--pipe"
run "$FANOUT" --ssh "ssh -o ControlPath=none" -S host1 echo ::: a
assert_usage_error "--ssh overriding fanout's connection sharing" "ControlPath=none"
run "$FANOUT" --ssh "ssh -S /tmp/ctl" -S host1 echo ::: a
assert_usage_error "--ssh with ssh's own -S" "'-S'"

if ! sshd_available; then
    fail "sshd and ssh are needed (scripts/dev.sh installs openssh-server)"
    end_of_tests
fi
if ! sshd_setup 3; then
    fail "sshd_setup 3: the loopback servers did not start"
    end_of_tests
fi
SSH=$SSHD_SSH
# For lib.sh's hang report: the sessions on the hosts, which are not fanout's children.
HANG_REPORT_EXTRA="ps -eo pid,ppid,stat,wchan:24,etime,args --forest | grep -A30 -F -- '$SSHD_DIR/sshd_' | cut -c1-200 | head -n 90"
MARK=$$$RANDOM

# For wait_until, which must evaluate its condition anew each time.
lines_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }
running_at_least() { [ "$(pgrep -fc "$1")" -ge "$2" ]; }
none_running() { ! pgrep -f "$1" >/dev/null; }

# --- Ctrl-C while the connections are set up ends fanout at once --------------------------
# An ssh that never logs in must not hold up Ctrl-C (nor its CPU count query after it).
printf '#!/bin/sh\nexec sleep 30%s\n' "$$" >hanging_ssh
chmod +x hanging_ssh
env --default-signal=INT "$FANOUT" --ssh "$PWD/hanging_ssh" -S host1 echo ::: a >login_int.out 2>&1 &
pid=$!
kill_at_exit "$pid"
wait_until 10 running_at_least "^sleep 30$$" 1
start=$SECONDS
kill -INT "$pid"
timeout "$(scaled 10)" tail --pid="$pid" -f /dev/null
wait "$pid"
status=$?
assert_eq "Ctrl-C while logging in: fanout dies by SIGINT" 130 "$status"
assert_le "Ctrl-C while logging in: at once, not after ssh gave up" 3 "$((SECONDS - start))"
assert_true "Ctrl-C while logging in: the ssh is killed" wait_until 5 none_running "^sleep 30$$"

# --- the same output as a local run -------------------------------------------------------
seq 200 >200.txt
run --stdin 200.txt "$FANOUT" -k 'echo job {}; echo err {} >&2'
cp "$OUT_FILE" local.out
run --stdin 200.txt "$FANOUT" --ssh "$SSH" -S host1,host2,host3 -k --joblog jl.tsv 'echo job {}; echo err {} >&2'
assert_status "200 jobs over three hosts: exit 0" 0
assert_file_eq "200 jobs over three hosts: the same stdout as a local run" local.out "$OUT_FILE"
assert_eq "200 jobs over three hosts: every stderr line" 200 "$(grep -c '^err ' "$ERR_FILE")"
assert_eq "the joblog has a line per job" 200 "$(tail -n +2 jl.tsv | wc -l)"
for h in host1 host2 host3; do
    assert_ge "$h ran some of the jobs (joblog Host)" 1 "$(awk -F'\t' -v h=$h '$2 == h' jl.tsv | wc -l)"
    assert_eq "$h: one login for the whole run (one multiplexed connection)" 1 "$(sshd_logins "${h#host}")"
done
assert_eq "the joblog names no host but the three" "" "$(tail -n +2 jl.tsv | cut -f2 | grep -v '^host[123]$' | sort -u)"

# --- where jobs run: the remote environment ---------------------------------------------
run "$FANOUT" --ssh "$SSH" -S host2 -k 'echo $FANOUT_SSHD_HOST $FANOUT_SEQ $PARALLEL_SEQ {}' ::: a b
assert_eq "jobs run on the host, with their sequence numbers" "host2 1 1 a
host2 2 2 b" "$OUT"
export FANOUT_TEST_VALUE=$'two words\n$(not run) `nor this` \'q\''
run "$FANOUT" --ssh "$SSH" -S host1 --env FANOUT_TEST_VALUE ': {}; printf "%s|" "$FANOUT_TEST_VALUE"' ::: x
assert_eq "--env passes the value literally" "$FANOUT_TEST_VALUE|" "$OUT"
run "$FANOUT" --ssh "$SSH" -S host1 ': {}; printf "%s|" "${FANOUT_TEST_VALUE-unset}"' ::: x
assert_eq "without --env the variable stays here" "unset|" "$OUT"
mkdir -p "$T/remote dir"
run "$FANOUT" --ssh "$SSH" -S host3 --workdir "$T/remote dir" pwd ::: x
assert_eq "--workdir DIR: jobs start in DIR" "$T/remote dir" "$OUT"
run "$FANOUT" --ssh "$SSH" -S host3 -k --workdir "$T/remote dir/{}" pwd ::: a 'b c'
assert_eq "--workdir with {}: each remote job in its own directory, made" \
    "$T/remote dir/a"$'\n'"$T/remote dir/b c" "$OUT"
run "$FANOUT" --ssh "$SSH" -S : -k --workdir "$T/local dir/{}" pwd ::: a
assert_eq "--workdir with -S ':': this machine's jobs start in it too" "$T/local dir/a" "$OUT"
run "$FANOUT" --ssh "$SSH -o ServerAliveInterval=5" -S host1 echo ::: 'ssh options pass'
assert_eq "--ssh with options of its own" "ssh options pass" "$OUT"
run "$FANOUT" --ssh "$SSH" -S host1 --halt never 'exit {}' ::: 0 3 0 7
assert_status "remote exit codes count as failures" 2
assert_contains "the failure summary names a remote exit code" "7" "$ERR"
run "$FANOUT" --ssh "$SSH" -S host1 --joblog codes.tsv 'exit {}' ::: 3 42
assert_eq "the joblog keeps the remote exit codes" "3
42" "$(tail -n +2 codes.tsv | cut -f7 | sort -n)"
run "$FANOUT" --ssh "$SSH" -S host1 'kill -TERM $$' ::: x
assert_eq "a remote job killed by a signal: 143 in the summary or status" 1 "$STATUS"

# --- slots: N/ and the remote CPU count ----------------------------------------------------
# Each job counts the jobs running on its host at its start, then stays a while.
mkdir active
cat >count_job <<EOF
#!/bin/sh
d="$T/active/\$FANOUT_SSHD_HOST"; mkdir -p "\$d"; : >"\$d/\$\$"
ls "\$d" | wc -l >>"$T/active/\$FANOUT_SSHD_HOST.counts"
sleep 0.3; rm -f "\$d/\$\$"
EOF
chmod +x count_job
run "$FANOUT" --ssh "$SSH" -S 1/host1,3/host2 -j 100 -N0 "$T/count_job" ::: $(seq 24)
assert_status "1/host1,3/host2: exit 0" 0
assert_eq "1/host1: never two jobs at once" 1 "$(sort -n active/host1.counts | tail -n 1)"
assert_eq "3/host2: up to three at once" 3 "$(sort -n active/host2.counts | tail -n 1)"
assert_eq "every job ran once" 24 "$(cat active/host*.counts | wc -l)"
rm -f active/*.counts
cpus=$("$SSH" host3 nproc)
run "$FANOUT" --ssh "$SSH" -S host3 -N0 "$T/count_job" ::: $(seq $((cpus * 3)))
assert_eq "no N/: as many at once as the host has CPUs ($cpus)" "$cpus" "$(sort -n active/host3.counts | tail -n 1)"
printf '# a login file\n\n1/host1\n  2/host2  \n# :\n:\n' >logins
run "$FANOUT" --ssh "$SSH" --slf logins --joblog slf.tsv -k 'echo {}' ::: $(seq 12)
assert_status "--sshloginfile with comments and ':' (here): exit 0" 0
assert_eq "--sshloginfile: every job's output" "$(seq 12)" "$OUT"
assert_eq "--sshloginfile: the hosts in the joblog" ": host1 host2" "$(tail -n +2 slf.tsv | cut -f2 | sort -u | xargs)"

# --- hostile arguments survive the round trip ---------------------------------------------
DUMP="$T/dump"
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\0" "$a"; done\n' >"$DUMP"
chmod +x "$DUMP"
: >hostile.nul
for byte in $(seq 1 255); do
    printf -v char '%b' "\\x$(printf %02x "$byte")"
    printf 'x%sy\0' "$char" >>hostile.nul
done
printf '%s\0' $'line1\nline2' '$(touch PWNED)' '`touch PWNED`' "it's" 'say "hi"' '-rf' '--' \
    "$(printf 'L%.0s' $(seq 255))" ' lead' 'trail ' $'\xff\xfe' 'a;touch PWNED' '~root' '$HOME' \
    'back\slash' $'tab\there' $'cr\r' '>out' '2>&1' '!!' '*' >>hostile.nul
run --stdin hostile.nul "$FANOUT" -0 -k --ssh "$SSH" -S host1,host2 "$DUMP" {}
assert_status "hostile arguments over ssh: exit 0" 0
assert_file_eq "hostile arguments over ssh: byte for byte (direct mode)" hostile.nul "$OUT_FILE"
run --stdin hostile.nul "$FANOUT" -0 -k --ssh "$SSH" -S host1,host2 "$DUMP {} | cat"
assert_file_eq "hostile arguments over ssh: byte for byte (shell mode)" hostile.nul "$OUT_FILE"
run --stdin hostile.nul "$FANOUT" -0 -k -X --ssh "$SSH" -S host3 "$DUMP"
assert_file_eq "hostile arguments over ssh: byte for byte (-X)" hostile.nul "$OUT_FILE"
assert_no_file "no hostile argument ran as code" PWNED "$HOME/PWNED" "$T/remote dir/PWNED"

# --- --transferfile, --return, --cleanup ----------------------------------------------------
fresh_dir transfer
printf 'one\ntwo\n' >'in 1.txt'
printf 'three\n' >"in 2.txt"
REMOTE="$T/remote-work"
mkdir -p "$REMOTE"
run "$FANOUT" --ssh "$SSH" -S host1,host2 --workdir "$REMOTE" --transferfile {} --return {.}.count --cleanup \
    'test "$(pwd)" = '"'$REMOTE'"' && wc -l < {} > {.}.count' ::: 'in 1.txt' 'in 2.txt'
assert_status "--transferfile/--return/--cleanup: exit 0" 0
assert_eq "--return fetched each result" "2 1" "$(cat 'in 1.count' 'in 2.count' 2>/dev/null | xargs)"
assert_eq "--cleanup removed what was sent and fetched" "" "$(find "$REMOTE" -type f)"
fresh_dirs() { find "$HOME/.fanout/tmp" -mindepth 1 -maxdepth 1 2>/dev/null | sort; }
before=$(fresh_dirs)
run "$FANOUT" --ssh "$SSH" -S host3 --workdir ... --trc {}.rev 'rev {} > {}.rev' ::: 'in 2.txt'
assert_eq "--trc with --workdir ...: the result comes back" "eerht" "$(cat 'in 2.txt.rev' 2>/dev/null)"
assert_eq "--workdir ... --cleanup leaves no directory behind" "$before" "$(fresh_dirs)"
cd "$T" || exit 1

# --- hosts that cannot be reached, and one that dies mid-run --------------------------------
run "$FANOUT" --ssh "$SSH -o ConnectTimeout=3" -S host1,nosuchhost.invalid -k echo ::: a b c
assert_status "one unreachable host: the others run every job" 0
assert_eq "one unreachable host: every job's output" "a
b
c" "$OUT"
assert_eq "one unreachable host: one warning line" 1 "$(grep -c 'nosuchhost.invalid' "$ERR_FILE")"
run "$FANOUT" --ssh "$SSH -o ConnectTimeout=3" -S nosuchhost.invalid echo ::: a
assert_status "no host reachable: exit 255" 255
assert_contains "no host reachable: says so" "can be reached" "$ERR"

seq 60 >60.txt
start_job="sleep 0.5$MARK; echo {}"
env --default-signal=INT "$FANOUT" --ssh "$SSH" -S 2/host1,2/host2,2/host3 --joblog kill.tsv "$start_job" <60.txt \
    >kill.out 2>kill.err &
pid=$!
kill_at_exit "$pid"
wait_until 30 lines_at_least kill.out 6
sshd_kill 2
timeout "$(scaled 120)" tail --pid="$pid" -f /dev/null
wait "$pid"
status=$?
assert_eq "host2 killed mid-run: exit 0" 0 "$status"
assert_eq "host2 killed mid-run: every job's output exactly once" "$(seq 60)" "$(sort -n kill.out)"
assert_eq "host2 killed mid-run: one warning about it" 1 "$(grep -c 'host2' kill.err)"
assert_eq "host2 killed mid-run: the joblog has 60 jobs" 60 "$(tail -n +2 kill.tsv | cut -f1 | sort -u | wc -l)"
assert_eq "host2 killed mid-run: no job left on host2" "" "$(pgrep -f "^sleep 0\.5$MARK")"
sshd_revive 2

# --- Ctrl-Z stops fanout itself, as a local run does ------------------------------------------
start_fanout --ssh "$SSH" -S 1/host1 "sleep 1.$MARK; echo {}" ::: z
wait_until 30 running_at_least "^sleep 1.$MARK" 1
kill -TSTP "$FANOUT_PID"
is_stopped() { [ "$(proc_state "$1")" == T ]; }
assert_true "SIGTSTP with -S: fanout stops itself" wait_until 5 is_stopped "$FANOUT_PID"
kill -CONT "$FANOUT_PID"
wait_exit 60
assert_eq "SIGCONT with -S: the run finishes normally" "0 z" "$STATUS $(cat out.txt)"

# --- Ctrl-C stops the remote jobs -----------------------------------------------------------
env --default-signal=INT "$FANOUT" --ssh "$SSH" -S 2/host1,2/host3 "sleep 3$MARK; echo not reached" ::: 1 2 3 4 5 6 \
    >int.out 2>int.err &
pid=$!
kill_at_exit "$pid"
wait_until 30 running_at_least "^sleep 3$MARK" 4
assert_eq "four remote jobs run" 4 "$(pgrep -fc "^sleep 3$MARK")"
kill -INT "$pid"
timeout "$(scaled 30)" tail --pid="$pid" -f /dev/null
wait "$pid"
status=$?
assert_eq "Ctrl-C: fanout dies by SIGINT" 130 "$status"
assert_true "Ctrl-C: no remote job left running" wait_until 10 none_running "^sleep 3$MARK"
assert_eq "Ctrl-C: no job went on to its end" "" "$(cat int.out)"
assert_eq "Ctrl-C: no ssh connection left" "" "$(pgrep -f "ControlPath=.*fanout-ssh-" | xargs)"
assert_eq "Ctrl-C: the private connection directory is gone" "" "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'fanout-ssh-*' -user "$(id -u)" -newer 60.txt)"

end_of_tests
