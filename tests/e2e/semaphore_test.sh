#!/usr/bin/env bash
# --semaphore (GNU sem): a shell loop of -j 3 calls never runs more than 3 at once and
# runs them all; --wait returns after the last and counts failures; a holder killed with
# SIGKILL frees its slot at once; --semaphoretimeout runs anyway or gives up; names with
# '/' and spaces stay inside the semaphore directory; a directory another user owns, or
# others may write into, is refused; two -j values on one name share its first slots.
# shellcheck source=lib.sh disable=SC2016 # unexpanded $ in job commands is the point
source "$(dirname "$0")/lib.sh"

export XDG_RUNTIME_DIR=$T/runtime
mkdir -m 0700 "$XDG_RUNTIME_DIR"
SEMS=$XDG_RUNTIME_DIR/fanout-semaphores

# ms_since START: milliseconds since START (an ${EPOCHREALTIME/[.,]/} reading).
ms_since() {
    echo $(((${EPOCHREALTIME/[.,]/} - $1) / 1000))
}

# pid_of PATTERN: the pid of the one process whose command line matches PATTERN.
pid_of() {
    pgrep -f -- "$1" | head -n 1
}

# --- a shell loop: never more than -j at once, all run, --wait after the last ----------
fresh_dir loop
mkdir running done
job='touch running/$$; ls running | wc -l >>counts; sleep 0.2; rm running/$$; touch done/N'
for i in $(seq 20); do
    "$FANOUT" --semaphore -j3 --id loop "${job/N/$i}" >>loop.out 2>>loop.err
    echo "$?" >>statuses
done
run "$FANOUT" --wait --id loop
assert_status "--wait after 20 calls: no failure" 0
assert_eq "every call returned 0 once its command started" "$(printf '0\n%.0s' $(seq 20))" "$(cat statuses)"
assert_eq "--wait returned after the last command ended" 20 "$(find done -type f | wc -l)"
assert_eq "nothing still running after --wait" 0 "$(find running -type f | wc -l)"
assert_eq "all 20 commands counted" 20 "$(line_count counts)"
assert_le "never more than 3 at once" 3 "$(sort -n counts | tail -n 1)"
assert_eq "no error" "" "$(cat loop.err)"

# --- --bg: returns at once, the output still ours; --wait counts failures -------------
fresh_dir bg
start=${EPOCHREALTIME/[.,]/}
run "$FANOUT" --semaphore --id bg -j 3 'sleep 1; echo late'
assert_status "--bg returns 0 once started" 0
late_out=$OUT_FILE
assert_le "--bg does not wait for the command" "$(scaled_ms 1 2)" "$(ms_since "$start")"
run "$FANOUT" --sem --id bg -j 3 'exit 2'
run "$FANOUT" --sem --id bg -j 3 --bg 'kill -9 $$'
run "$FANOUT" --wait --id bg
assert_status "--wait: 2 background commands failed" 2
assert_eq "the background command wrote to the caller's stdout" late "$(cat "$late_out")"
run "$FANOUT" --wait --id bg
assert_status "--wait forgets the failures it counted" 0

# --- --fg: the command's status, as GNU sem's -------------------------------------------
run "$FANOUT" --semaphore --fg --id fg 'echo out; echo err >&2; exit 3'
assert_status "--fg exits with the command's status" 3
assert_eq "--fg: stdout" out "$OUT"
assert_eq "--fg: stderr" err "$ERR"
run "$FANOUT" --fg --id fg 'kill -9 $$'
assert_status "--fg: killed by signal 9 is 128+9" 137
run "$FANOUT" --wait --id fg
assert_status "--fg failures are not counted again by --wait" 0
run --input "from stdin" "$FANOUT" --fg --id fg cat
assert_eq "the command reads our stdin" "from stdin" "$OUT"
run "$FANOUT" --fg --id fg echo a '  b'
assert_eq "words are joined for the shell, as GNU sem does" "a b" "$OUT"
run "$FANOUT" --fg --id fg 'echo $FANOUT_SEQ $FANOUT_SLOT $PARALLEL_SEQ $PARALLEL_JOBSLOT {#} {%}'
assert_eq "the job's variables and replacement strings: job 1, slot 1" "1 1 1 1 1 1" "$OUT"

# For wait_until, which runs its command anew each time (a "$(leftover)" in its words
# would be read once): at least N long commands hold slots. They sleep 300 s, longer
# than any scaled wait, and kill_leftovers ends them.
holders_at_least() { [ "$(leftover | wc -w)" -ge "$1" ]; }

# --- SIGKILL of the holder frees its slot at once ---------------------------------------
fresh_dir kill
start_fanout --semaphore --fg --id "kill$MARK" "sleep 300.$MARK"
wait_until 10 holders_at_least 1
kill -KILL "$FANOUT_PID"
wait_exit 5
start=${EPOCHREALTIME/[.,]/}
run "$FANOUT" --fg --id "kill$MARK" --st -10 echo ran
assert_eq "after SIGKILL of fanout --fg, its slot is free" ran "$OUT"
assert_le "... at once" "$(scaled_ms 1 10)" "$(ms_since "$start")"
kill_leftovers
"$FANOUT" --semaphore --id "bgkill$MARK" "sleep 300.$MARK" >/dev/null 2>&1
wait_until 10 holders_at_least 1
holder=$(pid_of "^$FANOUT --semaphore --id bgkill$MARK")
assert_ne "a --bg holder outlives the call" "" "$holder"
start=${EPOCHREALTIME/[.,]/}
run "$FANOUT" --fg --id "bgkill$MARK" --st -10 echo ran
assert_status "while the holder lives the slot stays taken" 1
[ -n "$holder" ] && kill -KILL "$holder"
start=${EPOCHREALTIME/[.,]/}
run "$FANOUT" --fg --id "bgkill$MARK" --st -10 echo ran
assert_eq "after SIGKILL of the --bg holder, its slot is free" ran "$OUT"
assert_le "... at once" "$(scaled_ms 1 10)" "$(ms_since "$start")"
kill_leftovers

# --- --semaphoretimeout both ways --------------------------------------------------------
fresh_dir timeout
start_fanout --fg --id st "sleep 300.$MARK"
wait_until 10 holders_at_least 1
start=${EPOCHREALTIME/[.,]/}
run "$FANOUT" --fg --id st --st -1 echo ran
assert_status "--st -1: gives up with 1" 1
assert_eq "--st -1: the command did not run" "" "$OUT"
assert_eq "--st -1: GNU's warning" "fanout: warning: Semaphore timed out. Exiting." "$ERR"
assert_ge "--st -1: waited a second first" 1000 "$(ms_since "$start")"
run "$FANOUT" --fg --id st --semaphoretimeout 0.5 'echo ran; exit 4'
assert_status "--st 0.5: runs anyway, the command's status" 4
assert_eq "--st 0.5: the command ran" ran "$OUT"
assert_eq "--st 0.5: GNU's warning" "fanout: warning: Semaphore timed out. Stealing the semaphore." "$ERR"
run "$FANOUT" --wait --id st --st -0.5
assert_status "--wait --st -0.5 gives up while a command holds the slot" 1
kill_leftovers
wait_exit 5
run "$FANOUT" --wait --id st --st -5
assert_status "--wait, once the holder is gone" 0

# --- names with '/' and spaces ------------------------------------------------------------
fresh_dir names
run "$FANOUT" --fg --id 'a/b c' echo ok
assert_eq "a name with '/' and a space works" ok "$OUT"
assert_true "... in a directory of its own, inside ours" test -d "$SEMS/a%2Fb%20c"
run "$FANOUT" --fg --semaphore-name 'a/b c' --semaphore-timeout -5 echo ok
assert_eq "--semaphore-name and --semaphore-timeout: the same semaphore" ok "$OUT"
run "$FANOUT" --fg --id '../../escape' echo ok
assert_true "'..' stays inside" test -d "$SEMS/%2E%2E%2F%2E%2E%2Fescape"
assert_eq "nothing made outside the semaphore directory" "fanout-semaphores" "$(ls "$XDG_RUNTIME_DIR")"
start_fanout --fg --id 'a/b' "sleep 300.$MARK"
wait_until 10 holders_at_least 1
run "$FANOUT" --fg --id 'a/b c' --st -5 echo free
assert_eq "'a/b' and 'a/b c' are different semaphores" free "$OUT"
kill_leftovers
wait_exit 5
run "$FANOUT" --fg --id '' echo x
assert_usage_error "an empty name" "--semaphorename: the name is empty"

# --- two -j values on one name share its first slots ---------------------------------------
fresh_dir mixed
"$FANOUT" --sem -j 3 --id mixed "sleep 300.$MARK" >/dev/null 2>&1
"$FANOUT" --sem -j 3 --id mixed "sleep 300.$MARK" >/dev/null 2>&1
wait_until 10 holders_at_least 2
run "$FANOUT" --fg -j 1 --id mixed --st -0.5 echo ran
assert_status "-j 1 waits for slot 1, taken by a -j 3 caller" 1
run "$FANOUT" --fg -j 2 --id mixed --st -0.5 echo ran
assert_status "-j 2: slots 1 and 2 are taken" 1
run "$FANOUT" --fg -j 3 --id mixed --st -5 echo ran
assert_eq "-j 3 takes slot 3" ran "$OUT"
kill_leftovers
run "$FANOUT" --wait --id mixed --st -5
assert_status "the killed commands count as failures" 2

# --- a directory another user owns, or others may write into ------------------------------
fresh_dir hostile
run "$FANOUT" --fg --id hostile true
chmod 0777 "$SEMS/hostile"
run "$FANOUT" --fg --id hostile echo ran
assert_usage_error "a world-writable name directory" "may be written by others (mode 777)"
chmod 0700 "$SEMS/hostile"
chmod 0757 "$XDG_RUNTIME_DIR"
run "$FANOUT" --fg --id hostile echo ran
assert_usage_error "a world-writable XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR may be written by others"
chmod 0700 "$XDG_RUNTIME_DIR"
if [ "$(id -u)" -eq 0 ] && have useradd && have userdel; then
    user=fsem$$
    if useradd --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null; then
        chown "$user" "$SEMS/hostile"
        run "$FANOUT" --fg --id hostile echo ran
        assert_usage_error "a name directory another user owns" "belongs to user $(id -u "$user"), not to us"
        chown "$user" "$SEMS"
        run "$FANOUT" --fg --id other echo ran
        assert_usage_error "a semaphore directory another user owns" "fanout-semaphores belongs to user"
        chown root "$SEMS" "$SEMS/hostile"
        userdel "$user"
        assert_true "the test user is gone" test -z "$(getent passwd "$user")"
    else
        echo "SKIP: useradd failed: a directory another user owns"
    fi
else
    echo "SKIP: not root or no useradd: a directory another user owns"
fi
ln -s /tmp "$SEMS/link"
run "$FANOUT" --fg --id link echo ran
assert_usage_error "a symbolic link in place of a name directory" "semaphore directory $SEMS/link"

# --- usage errors ----------------------------------------------------------------------------
run "$FANOUT" --semaphore
assert_usage_error "no command" "--semaphore needs a command to run"
run "$FANOUT" --wait echo x
assert_usage_error "--wait with a command" "--wait runs no command"
run "$FANOUT" --semaphore echo ::: a
assert_usage_error "':::'" "reads no arguments"
run "$FANOUT" --semaphore --tag echo
assert_usage_error "an option that means nothing for a semaphore" "--tag cannot be used with --semaphore"
run "$FANOUT" --semaphore --fg echo '{= $_ = "x" =}'
assert_usage_error "a perl expression" "{= =} perl expressions cannot be used with --semaphore"
run "$FANOUT" --semaphore -j 0 echo
assert_usage_error "-j 0" "a semaphore takes 1 to 4096 slots"
run "$FANOUT" --wait -j 2
assert_usage_error "--wait with -j" "--wait waits for every slot"
run "$FANOUT" --fg --bg echo
assert_usage_error "--fg and --bg" "cannot be used with --"
run "$FANOUT" --st soon echo
assert_usage_error "a bad --semaphoretimeout" "--semaphoretimeout"
# Without XDG_RUNTIME_DIR: a 0700 directory in the home directory.
mkdir -m 0700 "$T/home"
run env -u XDG_RUNTIME_DIR HOME="$T/home" "$FANOUT" --fg --id h echo ok
assert_eq "without XDG_RUNTIME_DIR: under HOME" ok "$OUT"
assert_eq "... made 0700" 700 "$(stat -c %a "$T/home/.fanout-semaphores")"

end_of_tests
