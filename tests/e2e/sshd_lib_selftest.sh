# Self-test of sshd_lib.sh, the loopback OpenSSH servers of the remote-execution tests:
# distinct hosts, stdin and exit status through ssh, host key checking, ControlMaster
# multiplexing (with the ms per command with and without a master), many sessions and
# connections at once, rsync -e, sshd_kill dropping open connections and remote jobs,
# sshd_freeze/sshd_thaw, sshd_revive, sshd_teardown, the EXIT trap chain and the watchdog.
# Not a *_test.sh: CMake does not register it. Run it like the others:
#   FANOUT=build/fanout bash tests/e2e/sshd_lib_selftest.sh
# shellcheck source=lib.sh disable=SC2016 # unexpanded $ are for the remote shell
source "$(dirname "$0")/lib.sh"
# shellcheck source=sshd_lib.sh
source "$FANOUT_SRC/tests/e2e/sshd_lib.sh"

if ! sshd_available; then
    fail "sshd_available: /usr/sbin/sshd, ssh, ssh-keygen and setsid are needed" \
        "(Debian: openssh-server openssh-client; scripts/dev.sh installs them)"
    end_of_tests
fi

now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

alive() {
    sshd__alive "$1"
}

no_process_names() { # DIR: no process has DIR in its command line
    ! pgrep -f -- "$1" >/dev/null
}

# --- setup -------------------------------------------------------------------------------
start=$(now_ms)
assert_true "sshd_setup 3 succeeds" sshd_setup 3
[ -n "$SSHD_DIR" ] || end_of_tests
echo "NOTE: sshd_setup 3 took $(($(now_ms) - start)) ms (as $(id -un))"
assert_eq "SSHD_HOSTS" "host1 host2 host3" "$SSHD_HOSTS"
assert_eq "SSHD_SSH is the wrapper" "$SSHD_DIR/ssh" "$SSHD_SSH"
assert_eq "SSHD_DIR is private" 700 "$(stat -c %a "$SSHD_DIR")"
assert_match "three numeric ports" '^[0-9]+ [0-9]+ [0-9]+$' "$SSHD_PORT_1 $SSHD_PORT_2 $SSHD_PORT_3"
assert_eq "the ports differ" 3 "$(printf '%s\n' "$SSHD_PORT_1" "$SSHD_PORT_2" "$SSHD_PORT_3" | sort -u | wc -l)"
assert_eq "SSHD_PORT_i are exported" "$SSHD_PORT_2" "$(bash -c 'echo $SSHD_PORT_2')"

# --- each host is its own server ---------------------------------------------------------
for i in 1 2 3; do
    port_var="SSHD_PORT_$i"
    run "$SSHD_SSH" "host$i" 'echo $SSH_CONNECTION; echo $FANOUT_SSHD_HOST; id -un'
    assert_status "host$i: a command runs" 0
    read -r _ _ server_addr server_port <<<"$(sed -n 1p "$OUT_FILE")"
    assert_eq "host$i: SSH_CONNECTION names server 127.0.0.$i" "127.0.0.$i ${!port_var}" "$server_addr $server_port"
    assert_eq "host$i: FANOUT_SSHD_HOST and the login user" "host$i"$'\n'"$(id -un)" "$(sed -n 2,3p "$OUT_FILE")"
    assert_eq "host$i: nothing on stderr (LogLevel ERROR, no banner)" "" "$ERR"
done
run --input $'line one\nline two\n' "$SSHD_SSH" host1 'cat; exit 7'
assert_status "stdin and the exit status pass through ssh" 7
assert_eq "stdin reaches the remote command" $'line one\nline two' "$OUT"
run "$SSHD_SSH" -o UserKnownHostsFile=/dev/null host1 true
assert_status "an unknown host key is refused (StrictHostKeyChecking yes)" 255
assert_contains "the refusal says why" "Host key verification failed" "$ERR"

# --- ControlMaster: one connection, many sessions -----------------------------------------
cm=(-o "ControlPath=$SSHD_DIR/cm-%h")
logins=$(sshd_logins 1)
start=$(now_ms)
fails=0
for _ in $(seq 50); do
    "$SSHD_SSH" host1 true </dev/null || fails=$((fails + 1))
done
without=$(($(now_ms) - start))
assert_eq "50 commands without a master" 0 "$fails"
assert_eq "...are 50 logins" $((logins + 50)) "$(sshd_logins 1)"

run "$SSHD_SSH" "${cm[@]}" -o ControlMaster=yes -o ControlPersist=yes -fN host1
assert_status "a ControlMaster to host1 opens" 0
run "$SSHD_SSH" "${cm[@]}" -O check host1
assert_status "ssh -O check host1" 0
logins=$(sshd_logins 1)
start=$(now_ms)
fails=0
for _ in $(seq 50); do
    "$SSHD_SSH" "${cm[@]}" host1 true </dev/null || fails=$((fails + 1))
done
with=$(($(now_ms) - start))
assert_eq "50 commands through the master" 0 "$fails"
assert_eq "...and not one new login" "$logins" "$(sshd_logins 1)"
echo "NOTE: 50 sequential 'ssh host1 true': $((without / 50)) ms/command without ControlMaster," \
    "$((with / 50)) ms/command through one (load: $(cut -d' ' -f1-3 /proc/loadavg))"

# MaxSessions 100: 40 sessions at once over the one connection (sshd's default is 10).
pids=()
for k in $(seq 40); do
    "$SSHD_SSH" "${cm[@]}" host1 "sleep 1; echo ok $k" </dev/null >"$T/mux.$k" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
assert_eq "40 concurrent sessions over one master all ran" 40 "$(cat "$T"/mux.* | grep -c '^ok ')"
assert_eq "...still one login" "$logins" "$(sshd_logins 1)"

# MaxStartups 100:30:200: 30 connections at once (the default drops some beyond 10).
pids=()
for k in $(seq 30); do
    "$SSHD_SSH" host3 "echo ok $k" </dev/null >"$T/conn.$k" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
assert_eq "30 concurrent connections to host3 all ran" 30 "$(cat "$T"/conn.* | grep -c '^ok ')"

# --- rsync -e "$SSHD_SSH" ---------------------------------------------------------------------
if command -v rsync >/dev/null; then
    head -c 100000 /dev/urandom >"$T/payload"
    run rsync -a -e "$SSHD_SSH" "$T/payload" "host2:$T/payload.copy"
    assert_status "rsync -e \$SSHD_SSH to host2" 0
    assert_file_eq "rsync copied the bytes" "$T/payload" "$T/payload.copy"
else
    echo "NOTE: rsync is not installed: the rsync check is skipped"
fi

# --- sshd_kill 2: a crashed machine ------------------------------------------------------
for h in host2 host3; do
    run "$SSHD_SSH" "${cm[@]}" -o ControlMaster=yes -o ControlPersist=yes -fN "$h"
    assert_status "a ControlMaster to $h opens" 0
done
# A long remote job through host2's master, one over a plain connection, one that left the
# process tree (setsid + double fork, reparented away from sshd).
"$SSHD_SSH" "${cm[@]}" host2 'echo $$ >'"$T/remote_mux.pid"'; exec sleep 300' </dev/null >/dev/null 2>&1 &
mux_client=$!
"$SSHD_SSH" host2 'echo $$ >'"$T/remote_plain.pid"'; exec sleep 301' </dev/null >/dev/null 2>&1 &
plain_client=$!
"$SSHD_SSH" host2 '(setsid sleep 302 </dev/null >/dev/null 2>&1 & echo $! >'"$T/remote_orphan.pid"')' </dev/null
kill_at_exit "$mux_client"
kill_at_exit "$plain_client"
assert_true "the three remote jobs started" wait_until 20 test -s "$T/remote_mux.pid" -a -s "$T/remote_plain.pid" -a -s "$T/remote_orphan.pid"
remote_pids=("$(cat "$T/remote_mux.pid")" "$(cat "$T/remote_plain.pid")" "$(cat "$T/remote_orphan.pid")")
assert_true "the remote jobs run" alive "${remote_pids[0]}"

start=$(now_ms)
assert_true "sshd_kill 2" sshd_kill 2
echo "NOTE: sshd_kill 2 took $(($(now_ms) - start)) ms"
check_down() {
    ! "$SSHD_SSH" "${cm[@]}" -O check host2 2>/dev/null
}
assert_true "host2's master is gone (ssh -O check fails)" wait_until 15 check_down
client_gone() {
    ! alive "$1"
}
assert_true "the ssh client of the multiplexed job ends" wait_until 15 client_gone "$mux_client"
wait "$mux_client"
assert_eq "...with status 255" 255 "$?"
assert_true "the ssh client of the plain connection ends" wait_until 15 client_gone "$plain_client"
wait "$plain_client"
assert_eq "...with status 255" 255 "$?"
for pid in "${remote_pids[@]}"; do
    assert_true "remote job $pid on host2 was killed" wait_until 10 client_gone "$pid"
done
start=$(now_ms)
run "$SSHD_SSH" host2 true
elapsed=$(($(now_ms) - start))
assert_status "a new ssh to host2 fails" 255
assert_contains "...refused" "Connection refused" "$ERR"
assert_le "...at once (ms)" "$(scaled_ms 3)" "$elapsed"
for h in host1 host3; do
    run "$SSHD_SSH" "${cm[@]}" -O check "$h"
    assert_status "$h's master survives host2's death" 0
    run "$SSHD_SSH" "${cm[@]}" "$h" 'echo $FANOUT_SSHD_HOST'
    assert_eq "$h still runs commands through its master" "$h" "$OUT"
    run "$SSHD_SSH" "$h" 'echo $FANOUT_SSHD_HOST'
    assert_eq "$h still accepts new connections" "$h" "$OUT"
done

# --- sshd_freeze 3 / sshd_thaw 3: a hung machine ----------------------------------------------
assert_true "sshd_freeze 3" sshd_freeze 3
timeout 5 "$SSHD_SSH" "${cm[@]}" host3 true </dev/null 2>/dev/null
assert_eq "a session through host3's master hangs while it is frozen (timeout: 124)" 124 "$?"
start=$(now_ms)
run --timeout 30 "$SSHD_SSH" -o ConnectTimeout=2 host3 true
elapsed=$(($(now_ms) - start))
assert_status "a new connection to frozen host3 gives up (ConnectTimeout)" 255
assert_ge "...after about ConnectTimeout, not at once (ms)" 1500 "$elapsed"
assert_true "sshd_thaw 3" sshd_thaw 3
run "$SSHD_SSH" "${cm[@]}" host3 'echo back'
assert_eq "host3 runs commands through its master again" back "$OUT"
run "$SSHD_SSH" host3 'echo back'
assert_eq "host3 accepts new connections again" back "$OUT"

# --- sshd_revive 2 -------------------------------------------------------------------------
port2=$SSHD_PORT_2
assert_true "sshd_revive 2" sshd_revive 2
assert_eq "host2 came back on its port" "$port2" "$SSHD_PORT_2"
run "$SSHD_SSH" host2 'echo $FANOUT_SSHD_HOST'
assert_eq "host2 runs commands again" host2 "$OUT"

# --- sshd_teardown -------------------------------------------------------------------------
dir=$SSHD_DIR
watchdog=$(cat "$dir/watchdog.pid")
assert_true "the watchdog runs" alive "$watchdog"
assert_true "sshd_teardown" sshd_teardown
assert_eq "SSHD_DIR is cleared" "" "$SSHD_DIR"
assert_no_file "the directory is removed" "$dir"
assert_true "no process names the directory (pgrep -f)" wait_until 10 no_process_names "$dir"
assert_true "the watchdog is gone" wait_until 10 client_gone "$watchdog"
assert_true "sshd_teardown again is a no-op" sshd_teardown
assert_true "the logs were kept in \$T/sshd-logs" test -s "$T/sshd-logs/sshd_2.log"

# --- a second setup in the same script, and the EXIT trap chain ------------------------------
# With the options SSHD_EXTRA_SETENV and SSHD_EXTRA_CONFIG (MaxSessions 1: the master
# cannot open a second session at once, and ssh then opens a connection of its own).
cat >"$T/child.sh" <<EOF
trap 'echo "previous EXIT trap ran, status \$?"' EXIT
source $(printf '%q' "$FANOUT_SRC/tests/e2e/sshd_lib.sh")
SSHD_EXTRA_SETENV="CHILD_VAR=42" SSHD_EXTRA_CONFIG="MaxSessions 1" sshd_setup 1 || exit 99
echo "\$SSHD_DIR" >"$T/child.dir"
"\$SSHD_SSH" host1 'echo child ok \$CHILD_VAR \$FANOUT_SSHD_HOST' </dev/null
cm=(-o "ControlPath=\$SSHD_DIR/cm-%h")
"\$SSHD_SSH" "\${cm[@]}" -o ControlMaster=yes -o ControlPersist=yes -fN host1
"\$SSHD_SSH" "\${cm[@]}" host1 'sleep 3' </dev/null &
sleep 1
before=\$(sshd_logins 1)
"\$SSHD_SSH" "\${cm[@]}" host1 'echo second session' </dev/null 2>"$T/child.err"
echo "status \$?, new logins: \$((\$(sshd_logins 1) - before))"
wait \$!
exit 3
EOF
run bash "$T/child.sh"
assert_status "EXIT trap chain: the script's status is kept" 3
# A session the master cannot open makes ssh fall back to a connection of its own.
assert_eq "EXIT trap chain: the host ran, then the previous trap" \
    $'child ok 42 host1\nsecond session\nstatus 0, new logins: 1\nprevious EXIT trap ran, status 3' "$OUT"
assert_contains "MaxSessions 1 refuses the second session over the master" \
    "Session open refused by peer" "$(cat "$T/child.err")"
child_dir=$(cat "$T/child.dir")
assert_no_file "EXIT trap chain: the directory is removed" "$child_dir"
assert_true "EXIT trap chain: no process names the directory" wait_until 10 no_process_names "$child_dir"

# --- the watchdog: a script killed by SIGKILL ----------------------------------------------
cat >"$T/killed.sh" <<EOF
source $(printf '%q' "$FANOUT_SRC/tests/e2e/sshd_lib.sh")
sshd_setup 2 || exit 99
echo "\$SSHD_DIR" >"$T/killed.dir"
"\$SSHD_SSH" -o ControlMaster=yes -o "ControlPath=\$SSHD_DIR/cm-%h" -o ControlPersist=yes -fN host1
kill -KILL \$\$
EOF
run bash -c 'bash "$1"; echo "status $?"' _ "$T/killed.sh"
assert_eq "watchdog: the script died of SIGKILL" "status 137" "$OUT"
killed_dir=$(cat "$T/killed.dir")
assert_true "watchdog: the directory is removed" wait_until 15 test ! -e "$killed_dir"
assert_true "watchdog: no process names the directory" wait_until 10 no_process_names "$killed_dir"

# --- a fresh setup after a teardown --------------------------------------------------------
assert_true "sshd_setup 1 after sshd_teardown" sshd_setup 1
run "$SSHD_SSH" host1 'echo $FANOUT_SSHD_HOST'
assert_eq "the new host1 answers" host1 "$OUT"
sshd_kill 5 2>/dev/null
assert_eq "sshd_kill 5 is refused (no such host)" 1 "$?"
# This setup is left to the EXIT trap (sshd_teardown, then lib.sh's finish).

end_of_tests
