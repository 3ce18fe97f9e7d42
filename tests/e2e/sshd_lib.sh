# Private OpenSSH servers on loopback for the end-to-end tests of remote execution.
# Sourced by a tests/e2e/*_test.sh after lib.sh (it works without lib.sh too):
#
#   source "$(dirname "$0")/lib.sh"
#   source "$FANOUT_SRC/tests/e2e/sshd_lib.sh"   # lib.sh has cd'ed to $T: use FANOUT_SRC
#   sshd_available || { fail "sshd and ssh are needed (scripts/dev.sh installs them)"; end_of_tests; }
#   sshd_setup 3 || { fail "sshd_setup 3"; end_of_tests; }
#   run "$FANOUT" --ssh "$SSHD_SSH" -S host1,host2 'echo $FANOUT_SSHD_HOST {}' ::: a b
#
# Functions
#   sshd_available        0 when /usr/sbin/sshd, ssh, ssh-keygen and setsid exist.
#   sshd_setup N          starts N servers (1 <= N <= 254) and returns once each accepts
#                         a login; 1 with the reason and sshd's log on stderr otherwise.
#                         Host I listens on 127.0.0.I (all of 127/8 is loopback on Linux)
#                         at a free port outside the ephemeral range. Exports:
#                           SSHD_DIR     the private temporary directory (mode 0700)
#                           SSHD_SSH     $SSHD_DIR/ssh, the ssh wrapper to give to fanout
#                                        (--ssh "$SSHD_SSH") or to rsync (-e "$SSHD_SSH")
#                           SSHD_HOSTS   "host1 host2 ... hostN", the aliases to use
#                           SSHD_PORT_I  the port of host I; SSHD_USER the login user
#   sshd_kill I           host I vanishes like a crashed machine: its listening daemon,
#                         every per-connection sshd it spawned and every process of its
#                         sessions (the remote jobs) are SIGKILLed, so open (multiplexed)
#                         connections drop and new ones are refused at once.
#   sshd_revive I         starts host I again (same port, same host key if the port is
#                         still free) and waits for a login.
#   sshd_freeze I         SIGSTOPs host I and its sessions: a hung machine. New connections
#                         reach the kernel's backlog but get no banner (ssh gives up after
#                         ConnectTimeout); open sessions stall. sshd_thaw I resumes it.
#   sshd_logins I         the number of logins host I accepted since sshd_setup returned
#                         (the readiness probes of sshd_setup/sshd_revive not counted): a
#                         ControlMaster connection counts once however many sessions it
#                         multiplexes, so this tells whether fanout reuses connections.
#                         Mind that when a master cannot open a session (MaxSessions),
#                         ssh silently falls back to a connection of its own (status 0,
#                         stderr "mux_client_request_session: session request failed:
#                         Session open refused by peer"): the login count shows it.
#   sshd_teardown         kills everything above, copies the logs and configs to
#                         $T/sshd-logs when lib.sh's $T exists (kept when a test failed),
#                         and removes SSHD_DIR. Runs by itself on EXIT: sshd_setup chains
#                         it before the EXIT trap already set (lib.sh's `finish`, which
#                         then still sees the script's exit status). A script that sets
#                         its own EXIT trap must do so before sshd_setup. A watchdog (a
#                         detached bash polling once a second) tears down too when the
#                         script dies without running its EXIT trap (SIGKILL).
#
# Files in $SSHD_DIR: ssh (wrapper: exec ssh -F ssh_config "$@"), ssh_config (Host host1..
# hostN, User, IdentityFile, known_hosts, BatchMode, ...), known_hosts, id_ed25519 (the
# user key), host_key (one ed25519 host key shared by all hosts), authorized_keys,
# sshd_I.conf, sshd_I.log (sshd -E: every login and error of host I), sshd_I.pid.
#
# What a remote session sees: sshd runs the command with the user's login shell from
# /etc/passwd (bash -c), the minimal environment of sshd (PATH=/usr/local/sbin:/usr/local/
# bin:/usr/sbin:/usr/bin:/sbin:/bin for root, /usr/local/bin:/usr/bin:/bin:/usr/games
# otherwise: use absolute paths for programs of the build tree), the real HOME as cwd,
# SSH_CONNECTION ("client-ip client-port 127.0.0.I port"), FANOUT_SSHD_HOST=hostI,
# FANOUT_SSHD_TAG=$SSHD_DIR/I (how sshd_kill finds processes that left the process tree)
# and SHLVL=1 (bash shows 2), which stops Debian's bash from reading the user's ~/.bashrc, as it does for
# commands from sshd otherwise: the tests must not depend on the machine's ~/.bashrc, and
# one with `eval "$(pyenv init -)"` costs ~100 ms a command (SSHD_REMOTE_BASHRC=1 keeps it).
# Another login shell still reads its own files (zsh: ~/.zshenv).
#
# Options (environment, read by sshd_setup):
#   SSHD_EXTRA_CONFIG     lines put at the top of every sshd_I.conf. sshd takes the first
#                         value of a keyword, so these override the defaults below (for
#                         example "MaxSessions 2" to test a server that refuses sessions).
#   SSHD_EXTRA_SETENV     NAME=VALUE words added to the environment of every session (a
#                         SetEnv in SSHD_EXTRA_CONFIG would replace the harness's own).
#   SSHD_REMOTE_BASHRC    1: let bash read the user's ~/.bashrc in sessions (see above).
#   SSHD_READY_TIMEOUT    seconds to wait for each host to accept a login (default 20,
#                         scaled as every deadline is: lib.sh's `scaled`).
#   SSHD_LOG_LEVEL        sshd's LogLevel (default INFO; DEBUG1..3 for a hard case).
#   SSHD_BIN              the sshd binary (default /usr/sbin/sshd; must be absolute).
#
# Root and non-root both work. As root, sshd needs its privilege-separation directory
# /run/sshd (created here, mode 0755, if missing: the only thing written outside SSHD_DIR)
# and the "sshd" user (made by the openssh-server package); PermitRootLogin is
# prohibit-password; with UsePAM no, sshd refuses a root whose /etc/shadow password starts
# with "!" (locked), which the failure message points out. As another user, sshd can only
# log that same user in, needs no privilege separation, and the user's login shell must
# run commands (nobody does not work: sshd finds the account locked, and its shell is
# /usr/sbin/nologin). ~/.ssh and /etc/ssh are never read
# or written: ssh -F skips /etc/ssh/ssh_config and the ~/.ssh creation, the sshd config is
# complete (no Include), and the identity and known_hosts are in SSHD_DIR.
# Linux only (127.0.0.2.. on lo, /proc).

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSHD__LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
SSHD_DIR="" # a setup belongs to the shell that made it, never to an inherited variable
SSHD__N=0
# shellcheck disable=SC2034 # set through its name by sshd__chain_exit_trap
SSHD__TRAP_SET=0

sshd_available() {
    [ -x "$SSHD_BIN" ] && command -v ssh >/dev/null 2>&1 &&
        command -v ssh-keygen >/dev/null 2>&1 && command -v setsid >/dev/null 2>&1
}

# --- small helpers ----------------------------------------------------------------------

sshd__err() {
    echo "sshd_lib: $*" >&2
}

# sshd__quote STRING: STRING in single quotes for sh.
sshd__quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

sshd__nap() {
    sleep "${1:-0.1}"
}

# sshd__scaled SECS: a deadline scaled as lib.sh's `scaled` does (as it is without lib.sh).
sshd__scaled() {
    if declare -F scaled >/dev/null; then
        scaled "$1"
    else
        echo "$1"
    fi
}

# sshd__alive PID: PID exists and is not a zombie.
sshd__alive() {
    local line
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    line=${line##*) }
    [ "${line%% *}" != Z ]
}

# sshd__starttime PID: the start time of PID (field 22 of /proc/PID/stat), against reuse.
sshd__starttime() {
    local line
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    line=${line##*) }
    # shellcheck disable=SC2086 # splitting the fields is the point
    set -- $line
    echo "${20}"
}

sshd__check_host() { # FUNCTION I
    case ${2:-} in
    '' | *[!0-9]*) ;;
    *)
        if [ -n "$SSHD_DIR" ] && [ "$2" -ge 1 ] && [ "$2" -le "$SSHD__N" ]; then
            return 0
        fi
        ;;
    esac
    sshd__err "$1: no host '${2:-}' (sshd_setup made ${SSHD__N:-0} hosts)"
    return 1
}

# sshd__listener_pid I: prints the pid of host I's listening sshd if it runs.
sshd__listener_pid() {
    local pid
    { read -r pid <"$SSHD_DIR/sshd_$1.pid"; } 2>/dev/null || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    sshd__alive "$pid" || return 1
    # Its title keeps its argv, which names its config: guards against a reused pid.
    grep -qaF -- "$SSHD_DIR/sshd_$1.conf" "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# sshd__descendants PID...: the PIDs and all their descendants, one a line.
sshd__descendants() {
    local -A kids=()
    local f line pid ppid queue=("$@") i=0
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        pid=${line%% *}
        line=${line##*) }
        line=${line#* }
        ppid=${line%% *}
        kids[$ppid]+=" $pid"
    done
    while [ "$i" -lt ${#queue[@]} ]; do
        pid=${queue[i]}
        i=$((i + 1))
        echo "$pid"
        # shellcheck disable=SC2206 # a list of numbers
        queue+=(${kids[$pid]:-})
    done
}

# sshd__tagged TAG...: pids of the processes whose environment holds FANOUT_SSHD_TAG=TAG
# (the sessions of those hosts, even when they left the process tree).
sshd__tagged() {
    local args=() tag
    for tag in "$@"; do
        args+=(-e "FANOUT_SSHD_TAG=$tag")
    done
    grep -lsazxF "${args[@]}" /proc/[0-9]*/environ 2>/dev/null |
        sed -n 's|^/proc/\([0-9][0-9]*\)/environ$|\1|p'
}

# sshd__host_procs "ROOT_PIDS" TAG...: the roots, their descendants, the tagged processes.
sshd__host_procs() {
    local roots=$1
    shift
    {
        # shellcheck disable=SC2086 # a list of numbers
        [ -n "$roots" ] && sshd__descendants $roots
        [ $# -gt 0 ] && sshd__tagged "$@"
    } | sort -un
}

# sshd__signal_hosts SIGNAL I...: SIGSTOP (frozen), SIGCONT or SIGKILL hosts I... and all
# their processes. Everything is stopped first, round after round until no new process
# shows up, so nothing forks away while the set is gathered; SIGKILL then hits them all.
sshd__signal_hosts() {
    local sig=$1 i pid roots="" tags=()
    shift
    for i in "$@"; do
        pid=$(sshd__listener_pid "$i") && roots+=" $pid"
        tags+=("$SSHD_DIR/$i")
    done
    local -A seen=()
    local new all _
    for _ in 1 2 3 4 5 6 7 8; do
        new=()
        for pid in $(sshd__host_procs "$roots" "${tags[@]}"); do
            if [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || [ -n "${seen[$pid]:-}" ]; then
                continue
            fi
            seen[$pid]=1
            new+=("$pid")
        done
        [ ${#new[@]} -eq 0 ] && break
        if [ "$sig" != CONT ]; then
            kill -STOP "${new[@]}" 2>/dev/null
        fi
        roots="${!seen[*]}"
    done
    [ ${#seen[@]} -eq 0 ] && return 0
    all=("${!seen[@]}")
    case $sig in
    STOP) ;;
    CONT) kill -CONT "${all[@]}" 2>/dev/null ;;
    *)
        kill -KILL "${all[@]}" 2>/dev/null
        sshd__wait_gone 10 "${all[@]}"
        ;;
    esac
    return 0
}

# sshd__wait_gone SECS PID...: waits until none of the PIDs is alive.
sshd__wait_gone() {
    local deadline=$((SECONDS + $(sshd__scaled "$1"))) pid
    shift
    for pid in "$@"; do
        while sshd__alive "$pid"; do
            [ "$SECONDS" -ge "$deadline" ] && return 1
            sshd__nap 0.05
        done
    done
}

# sshd__port_busy ADDR PORT: something listens on PORT (on any address: it would block
# a bind on ADDR too).
sshd__port_busy() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Htln "sport = :$2" 2>/dev/null)" ]
    else
        # shellcheck disable=SC2016 # expanded by the inner bash
        timeout "$(sshd__scaled 3)" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
    fi
}

# sshd__connect_refused ADDR PORT: a TCP connect to ADDR:PORT fails (at once, on lo).
sshd__connect_refused() {
    # shellcheck disable=SC2016 # expanded by the inner bash
    ! timeout "$(sshd__scaled 3)" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# sshd__pick_port ADDR: a random port that nothing listens on, below the ephemeral range
# (so no outgoing connection holds it) when there is room, else above it.
sshd__pick_port() {
    local lo=32768 hi=60999 base span port _
    { read -r lo hi </proc/sys/net/ipv4/ip_local_port_range; } 2>/dev/null
    if [ "$lo" -ge 12000 ]; then
        base=10000 span=$((lo - 10000))
    elif [ "$hi" -le 63000 ]; then
        base=$((hi + 1)) span=$((65535 - hi))
    else
        base=1024 span=64000
    fi
    for _ in $(seq 1 100); do
        port=$((base + (RANDOM * 32768 + RANDOM) % span))
        [[ " ${SSHD__PORTS_TAKEN:-} " == *" $port "* ]] && continue
        sshd__port_busy "$1" "$port" && continue
        echo "$port"
        return 0
    done
    return 1
}

sshd__port() { # I
    local v="SSHD_PORT_$1"
    echo "${!v:-}"
}

# --- configuration ----------------------------------------------------------------------

sshd__server_config() { # I PORT
    local i=$1 d=$SSHD_DIR bashrc="SHLVL=1"
    # Debian's bash reads ~/.bashrc for a command from sshd when SHLVL (incremented)
    # is below 2: SHLVL=1 keeps the user's ~/.bashrc (slow, machine-specific) out.
    [ "${SSHD_REMOTE_BASHRC:-0}" = 1 ] && bashrc=""
    cat <<EOF
# Generated by tests/e2e/sshd_lib.sh: the private sshd of host$i. sshd takes the first
# value of a keyword: SSHD_EXTRA_CONFIG comes first to override what follows.
${SSHD_EXTRA_CONFIG:-}
ListenAddress 127.0.0.$i
Port $2
AddressFamily inet
HostKey "$d/host_key"
PidFile "$d/sshd_$i.pid"
AuthorizedKeysFile "$d/authorized_keys"
AllowUsers $SSHD_USER
# The keys sit under /tmp, which is world-writable: StrictModes would refuse them.
StrictModes no
# PAM would run the machine's session stack (pam_loginuid fails in containers).
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitRootLogin prohibit-password
PermitUserRC no
PermitUserEnvironment no
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
# Jobs multiplex many sessions over one connection (the default allows 10) and open many
# connections at once (the default starts refusing at 10 unauthenticated ones).
MaxSessions 100
MaxStartups 100:30:200
LoginGraceTime 60
LogLevel ${SSHD_LOG_LEVEL:-INFO}
Subsystem sftp internal-sftp
# sshd keeps the first SetEnv line only: more variables come through SSHD_EXTRA_SETENV.
SetEnv $bashrc FANOUT_SSHD_HOST=host$i "FANOUT_SSHD_TAG=$d/$i" ${SSHD_EXTRA_SETENV:-}
${SSHD__OPTIONAL_CONFIG:-}
EOF
}

# Options only some sshd versions know, kept when this sshd accepts them.
sshd__probe_optional_config() {
    local line probe="$SSHD_DIR/probe.conf" kept=""
    # OpenSSH 9.8+ penalises addresses whose connections fail or drop, which the
    # tests do on purpose, all from 127.0.0.1.
    local optional=("PerSourcePenalties no")
    for line in "${optional[@]}"; do
        SSHD__OPTIONAL_CONFIG="$kept$line"
        sshd__server_config 1 22 >"$probe"
        if "$SSHD_BIN" -t -f "$probe" >/dev/null 2>&1; then
            kept+="$line"$'\n'
        fi
    done
    SSHD__OPTIONAL_CONFIG=$kept
    rm -f "$probe"
}

sshd__write_client_config() {
    local d=$SSHD_DIR i port key
    key=$(cut -d' ' -f1,2 "$d/host_key.pub")
    {
        echo "# Generated by tests/e2e/sshd_lib.sh: use with ssh -F (the wrapper $d/ssh does)."
        for i in $(seq 1 "$SSHD__N"); do
            printf 'Host host%d\n    HostName 127.0.0.%d\n    Port %s\n' "$i" "$i" "$(sshd__port "$i")"
        done
        cat <<EOF
Host *
    User $SSHD_USER
    IdentityFile "$d/id_ed25519"
    IdentitiesOnly yes
    IdentityAgent none
    PreferredAuthentications publickey
    PubkeyAuthentication yes
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    HostbasedAuthentication no
    UserKnownHostsFile "$d/known_hosts"
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    UpdateHostKeys no
    CheckHostIP no
    HashKnownHosts no
    BatchMode yes
    LogLevel ERROR
    ConnectTimeout 5
    ForwardAgent no
    ForwardX11 no
    AddKeysToAgent no
EOF
    } >"$d/ssh_config.new" && mv "$d/ssh_config.new" "$d/ssh_config"
    for i in $(seq 1 "$SSHD__N"); do
        port=$(sshd__port "$i")
        [ -n "$port" ] && echo "[127.0.0.$i]:$port $key"
    done >"$d/known_hosts.new" && mv "$d/known_hosts.new" "$d/known_hosts"
}

sshd__write_wrapper() {
    local ssh
    ssh=$(command -v ssh)
    {
        echo '#!/bin/sh'
        echo "# ssh to the test hosts of tests/e2e/sshd_lib.sh (host1..host$SSHD__N)."
        echo "exec $(sshd__quote "$ssh") -F $(sshd__quote "$SSHD_DIR/ssh_config") \"\$@\""
    } >"$SSHD_DIR/ssh"
    chmod 0755 "$SSHD_DIR/ssh"
}

# --- starting and checking a host -------------------------------------------------------

# sshd__start I [PORT]: starts host I's daemon, on PORT if given and free (else a random
# free port), and waits until it listens. Sets SSHD_PORT_I.
sshd__start() {
    local i=$1 want=${2:-} log="$SSHD_DIR/sshd_$1.log" conf="$SSHD_DIR/sshd_$1.conf"
    local attempt port from deadline
    for attempt in $(seq 1 30); do
        if [ -n "$want" ] && [ "$attempt" -le 5 ]; then
            port=$want
            if sshd__port_busy "127.0.0.$i" "$port"; then
                sshd__nap 0.5
                continue
            fi
        else
            port=$(sshd__pick_port "127.0.0.$i") || continue
        fi
        sshd__server_config "$i" "$port" >"$conf"
        rm -f "$SSHD_DIR/sshd_$i.pid"
        touch "$log"
        from=$(($(wc -l <"$log") + 1))
        echo "# sshd_lib: starting host$i on 127.0.0.$i:$port (attempt $attempt)" >>"$log"
        # In a new session (no signal for the test's process group reaches it) and not a
        # child of this shell (a bare `wait` in a test must not wait for it).
        # shellcheck disable=SC2094 # sshd appends to its log, nothing reads it here
        (setsid "$SSHD_BIN" -D -e -E "$log" -f "$conf" </dev/null >>"$log" 2>&1 &)
        deadline=$((SECONDS + $(sshd__scaled 20)))
        until sshd__listener_pid "$i" >/dev/null; do
            if tail -n "+$from" "$log" | grep -q 'Cannot bind any address\|Address already in use'; then
                sshd__nap 0.2
                continue 2 # another process took the port first: another one
            fi
            if tail -n "+$from" "$log" | grep -q 'fatal\|Bad configuration\|bad configuration'; then
                sshd__err "host$i: sshd failed to start:"
                tail -n "+$from" "$log" | sed 's/^/    /' >&2
                sshd__hints "$i" >&2
                return 1
            fi
            if [ "$SECONDS" -ge "$deadline" ]; then
                sshd__err "host$i: sshd did not start listening on 127.0.0.$i:$port within $(sshd__scaled 20) s:"
                tail -n "+$from" "$log" | tail -n 40 | sed 's/^/    /' >&2
                return 1
            fi
            sshd__nap 0.05
        done
        printf -v "SSHD_PORT_$i" '%s' "$port"
        export "SSHD_PORT_$i"
        SSHD__PORTS_TAKEN+=" $port"
        return 0
    done
    sshd__err "host$i: found no free port for sshd on 127.0.0.$i in 30 attempts"
    return 1
}

# sshd__hints I: explanations for known failures in host I's log.
sshd__hints() {
    local log="$SSHD_DIR/sshd_$1.log"
    grep -q 'account is locked' "$log" 2>/dev/null &&
        echo "  hint: with UsePAM no, sshd refuses accounts it considers locked: as root it reads" \
            "/etc/shadow, where a password starting with '!' (passwd -l, useradd's default) locks" \
            "the account ('*' does not: usermod -p '*' $SSHD_USER); system accounts like nobody are" \
            "refused too. Run the tests as root or as a regular user."
    grep -q 'Missing privilege separation directory' "$log" 2>/dev/null &&
        echo "  hint: /run/sshd is missing (sshd_setup creates it only as root)"
    grep -q 'Privilege separation user' "$log" 2>/dev/null &&
        echo "  hint: the 'sshd' user is missing: install openssh-server (scripts/dev.sh does)"
    grep -q 'shell .* does not exist\|shell .* is not executable' "$log" 2>/dev/null &&
        echo "  hint: $SSHD_USER needs a login shell that runs commands"
    return 0
}

# sshd__wait_login I: waits until host I accepts a login and runs a command.
sshd__wait_login() {
    local i=$1 limit err="$SSHD_DIR/probe_$1.err" probes
    limit=$(sshd__scaled "${SSHD_READY_TIMEOUT:-20}")
    local deadline=$((SECONDS + limit))
    while :; do
        if timeout -k 2 "$(sshd__scaled 15)" "$SSHD_DIR/ssh" "host$i" true </dev/null >/dev/null 2>"$err"; then
            probes=$(cat "$SSHD_DIR/probes_$i" 2>/dev/null || echo 0)
            echo $((probes + 1)) >"$SSHD_DIR/probes_$i"
            return 0
        fi
        sshd__listener_pid "$i" >/dev/null || break
        [ "$SECONDS" -ge "$deadline" ] && break
        sshd__nap 0.2
    done
    {
        sshd__err "host$i (127.0.0.$i port $(sshd__port "$i")) did not accept a login within ${limit} s"
        sshd__listener_pid "$i" >/dev/null || echo "  its sshd is not running"
        echo "  last ssh error: $(head -c 1000 "$err")"
        sshd__hints "$i"
        echo "  $SSHD_DIR/sshd_$i.log (last 40 lines):"
        tail -n 40 "$SSHD_DIR/sshd_$i.log" | sed 's/^/    /'
    } >&2
    return 1
}

# --- teardown, the EXIT trap and the watchdog -------------------------------------------

sshd__install_trap() {
    sshd__chain_exit_trap SSHD__TRAP_SET sshd_teardown
}

# sshd__chain_exit_trap FLAG_VAR TEARDOWN: once per FLAG_VAR (set to 1 here), makes the
# EXIT trap run the function TEARDOWN, then the EXIT trap set before it, which still sees
# the script's exit status. Shared with slurm_lib.sh.
sshd__chain_exit_trap() {
    [ "${!1:-0}" = 1 ] && return 0
    local prev words previous=""
    prev=$(trap -p EXIT)
    if [ -n "$prev" ]; then
        # trap -p prints: trap -- 'COMMAND' EXIT
        eval "words=(${prev#trap -- })"
        previous=${words[0]}
    fi
    # shellcheck disable=SC2064 # the trap is made now, with these values
    trap "sshd__run_exit_chain $2 $(sshd__quote "$previous")" EXIT
    printf -v "$1" 1
}

sshd__run_exit_chain() { # TEARDOWN PREVIOUS_TRAP
    local rc=$?
    "$1"
    if [ -n "$2" ]; then
        (exit "$rc")
        eval "$2"
    fi
    exit "$rc"
}

sshd__start_watchdog() {
    sshd__spawn_watchdog "$SSHD_DIR" env SSHD__WATCH_DIR="$SSHD_DIR" SSHD__WATCH_N="$SSHD__N" \
        bash "$SSHD__LIB" --sshd-lib-watchdog
}

sshd__watchdog_main() {
    SSHD_DIR=$SSHD__WATCH_DIR
    SSHD__N=$SSHD__WATCH_N
    sshd__watch "$SSHD_DIR" sshd__teardown_dir
}

# sshd__spawn_watchdog DIR COMMAND...: starts COMMAND detached (a new session, not a child
# of this shell) with SSHD__WATCH_PID and SSHD__WATCH_START naming this script; COMMAND
# then calls sshd__watch. Shared with slurm_lib.sh.
sshd__spawn_watchdog() {
    local dir=$1 start
    shift
    start=$(sshd__starttime $$) || return 0
    mkfifo "$dir/watchdog.fifo" || return 0
    (SSHD__WATCH_PID=$$ SSHD__WATCH_START=$start setsid "$@" </dev/null >/dev/null 2>&1 &)
}

# sshd__watch DIR TEARDOWN: the watchdog's loop: once a second, until DIR is gone or the
# script that started it ended (its pid has another start time); then TEARDOWN if DIR is
# still there. Its pid goes to DIR/watchdog.pid, for the teardown to end it.
sshd__watch() {
    echo "$BASHPID" >"$1/watchdog.pid"
    exec 3<>"$1/watchdog.fifo" # read -t on it: a sleep without a child
    while [ -d "$1" ] &&
        [ "$(sshd__starttime "$SSHD__WATCH_PID")" = "$SSHD__WATCH_START" ]; do
        read -r -t 1 -u 3 _
    done
    [ -d "$1" ] && "$2"
}

# sshd__stop_watchdog DIR: ends the watchdog sshd__watch runs for DIR (not this shell).
# Shared with slurm_lib.sh.
sshd__stop_watchdog() {
    local pid
    { read -r pid <"$1/watchdog.pid"; } 2>/dev/null &&
        [ "$pid" != "$BASHPID" ] && [ "$pid" != "$$" ] && kill -TERM "$pid" 2>/dev/null
}

# sshd__remove_dir DIR: SIGKILLs every process left whose command line names DIR (but
# this shell), waits until they are gone, and removes DIR. Shared with slurm_lib.sh.
sshd__remove_dir() {
    local pid leftovers=()
    # shellcheck disable=SC2013 # one pid a line
    for pid in $(grep -lsaF -f <(printf '%s\n' "$1") /proc/[0-9]*/cmdline 2>/dev/null |
        sed -n 's|^/proc/\([0-9][0-9]*\)/cmdline$|\1|p'); do
        [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || leftovers+=("$pid")
    done
    if [ ${#leftovers[@]} -gt 0 ]; then
        kill -KILL "${leftovers[@]}" 2>/dev/null
        sshd__wait_gone 10 "${leftovers[@]}"
    fi
    rm -rf "$1"
}

# sshd__teardown_dir: kills the watchdog, every host, every process left whose command
# line names SSHD_DIR (ssh clients through the wrapper), and removes SSHD_DIR.
sshd__teardown_dir() {
    local hosts=() i
    sshd__stop_watchdog "$SSHD_DIR"
    for i in $(seq 1 "$SSHD__N"); do
        hosts+=("$i")
    done
    [ ${#hosts[@]} -gt 0 ] && sshd__signal_hosts KILL "${hosts[@]}"
    sshd__remove_dir "$SSHD_DIR"
}

# --- the public functions ---------------------------------------------------------------

sshd_setup() {
    local n=${1:-} i
    case $n in '' | *[!0-9]*) n=0 ;; esac
    if [ "$n" -lt 1 ] || [ "$n" -gt 254 ]; then
        sshd__err "sshd_setup: want a number of hosts from 1 to 254, got '${1:-}'"
        return 1
    fi
    if [ -n "$SSHD_DIR" ]; then
        sshd__err "sshd_setup: already set up in $SSHD_DIR (sshd_teardown first)"
        return 1
    fi
    if ! sshd_available; then
        sshd__err "sshd_setup: needs $SSHD_BIN, ssh, ssh-keygen and setsid" \
            "(Debian: openssh-server openssh-client util-linux; scripts/dev.sh installs them)"
        return 1
    fi
    if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd || return 1
    fi
    SSHD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fanout-sshd.XXXXXX") || return 1
    export SSHD_DIR
    export SSHD_SSH="$SSHD_DIR/ssh"
    SSHD_USER=$(id -un)
    export SSHD_USER
    SSHD__N=$n
    SSHD__PORTS_TAKEN=""
    sshd__install_trap
    sshd__start_watchdog

    if ! ssh-keygen -q -t ed25519 -N '' -C fanout-test-host -f "$SSHD_DIR/host_key" ||
        ! ssh-keygen -q -t ed25519 -N '' -C fanout-test-user -f "$SSHD_DIR/id_ed25519"; then
        sshd__err "sshd_setup: ssh-keygen failed"
        sshd_teardown
        return 1
    fi
    cp "$SSHD_DIR/id_ed25519.pub" "$SSHD_DIR/authorized_keys"
    sshd__probe_optional_config
    sshd__write_wrapper
    for i in $(seq 1 "$n"); do
        if ! sshd__start "$i"; then
            sshd_teardown
            return 1
        fi
    done
    sshd__write_client_config
    for i in $(seq 1 "$n"); do
        if ! sshd__wait_login "$i"; then
            sshd_teardown
            return 1
        fi
    done
    SSHD_HOSTS=$(for i in $(seq 1 "$n"); do printf 'host%d ' "$i"; done)
    SSHD_HOSTS=${SSHD_HOSTS% }
    export SSHD_HOSTS
}

sshd_kill() {
    sshd__check_host sshd_kill "${1:-}" || return 1
    local i=$1 port
    port=$(sshd__port "$i")
    sshd__signal_hosts KILL "$i"
    rm -f "$SSHD_DIR/sshd_$i.pid"
    if ! sshd__until 10 sshd__connect_refused "127.0.0.$i" "$port"; then
        sshd__err "sshd_kill $i: 127.0.0.$i:$port still accepts connections"
        return 1
    fi
}

# sshd__until SECS COMMAND...: polls COMMAND until it succeeds, at most SECS seconds.
sshd__until() {
    local deadline=$((SECONDS + $(sshd__scaled "$1")))
    shift
    until "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sshd__nap 0.05
    done
}

sshd_revive() {
    sshd__check_host sshd_revive "${1:-}" || return 1
    local i=$1 old
    sshd__listener_pid "$i" >/dev/null && return 0
    old=$(sshd__port "$i")
    sshd__start "$i" "$old" || return 1
    [ "$(sshd__port "$i")" != "$old" ] && sshd__write_client_config
    sshd__wait_login "$i"
}

sshd_freeze() {
    sshd__check_host sshd_freeze "${1:-}" || return 1
    sshd__signal_hosts STOP "$1"
}

sshd_thaw() {
    sshd__check_host sshd_thaw "${1:-}" || return 1
    sshd__signal_hosts CONT "$1"
}

sshd_logins() {
    sshd__check_host sshd_logins "${1:-}" || return 1
    local accepted probes
    accepted=$(grep -c 'Accepted publickey for ' "$SSHD_DIR/sshd_$1.log" 2>/dev/null)
    probes=$(cat "$SSHD_DIR/probes_$1" 2>/dev/null || echo 0)
    echo $((${accepted:-0} - probes))
}

sshd_teardown() {
    [ -n "$SSHD_DIR" ] || return 0
    if [ -n "${T:-}" ] && [ -d "$T" ] && [ -d "$SSHD_DIR" ]; then
        mkdir -p "$T/sshd-logs" &&
            cp "$SSHD_DIR"/*.log "$SSHD_DIR"/*.conf "$SSHD_DIR/ssh_config" "$T/sshd-logs/" 2>/dev/null
    fi
    sshd__teardown_dir
    local i
    for i in $(seq 1 "$SSHD__N"); do
        unset "SSHD_PORT_$i"
    done
    SSHD_DIR=""
    SSHD__N=0
    unset SSHD_HOSTS SSHD_SSH SSHD_USER
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = --sshd-lib-watchdog ]; then
    sshd__watchdog_main
    exit 0
fi
