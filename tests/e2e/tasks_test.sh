# --tasks FILE: a JSON Lines file or a JSON array of task objects, each one job with its
# own command (a command line, or an argv array run without a shell), id, env, cwd,
# timeout, retries, stdin and tag. Malformed entries are reported as FILE:LINE:COL with
# the task's id and count as failed jobs while the others run; the id is in every
# report (the joblog's Id column, --results' "id", --junit's test names); --resume,
# --dry-run, stdin as the task source, 5,000 tasks, and the options --tasks excludes.
# Needs jq and xmllint (libxml2-utils); scripts/dev.sh installs both.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; assert_true calls have
source "$(dirname "$0")/lib.sh"

SCHEMA=$FANOUT_SRC/tests/data/junit.xsd
# A number no other process on this machine has in its command line.
MARK=$$$RANDOM

# joblog_field FILE SEQ COLUMN: one field of the line of job SEQ (columns from 1).
joblog_field() {
    awk -F'\t' -v seq="$2" -v col="$3" 'NR > 1 && $1 == seq { print $col }' "$1"
}

# joblog_column FILE COLUMN: one column of every job line, in Seq order.
joblog_column() {
    awk -F'\t' -v col="$2" 'NR > 1 { print $1 "\t" $col }' "$1" | sort -n | cut -f2
}

# tasks FILE LINE...: writes the lines to FILE.
tasks() {
    local file=$1
    shift
    printf '%s\n' "$@" >"$file"
}

validates() {
    xmllint --noout --schema "$SCHEMA" "$1" 2>/dev/null
}

# elapsed_since START: seconds (with decimals) since START (from `date +%s.%N`).
elapsed_since() {
    awk -v s="$1" -v n="$(date +%s.%N)" 'BEGIN { printf "%.2f", n - s }'
}

assert_true "jq is installed (scripts/dev.sh installs it)" have jq
assert_true "xmllint is installed (scripts/dev.sh installs libxml2-utils)" have xmllint

# A program that writes each of its arguments followed by NUL.
DUMP=$T/dump
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\0" "$a"; done\n' >"$DUMP"
chmod +x "$DUMP"

# A shell for --shell that notes each time it is used, then runs /bin/sh.
LOGSH=$T/logsh
printf '#!/bin/sh\necho used >>"%s/shell.log"\nexec /bin/sh "$@"\n' "$T" >"$LOGSH"
chmod +x "$LOGSH"

# --- JSON Lines --------------------------------------------------------------------------------
run --input $'{"id":"a","cmd":["printf","%s","a b"]}\n' "$FANOUT" --tasks -
assert_status "one task from stdin: exit status" 0
assert_eq "one task from stdin: the argv array runs" "a b" "$OUT"
assert_eq "one task from stdin: nothing on stderr" "" "$ERR"

tasks lines.jsonl \
    '{"id":"one","cmd":"echo one | tr a-z A-Z"}' \
    '' \
    '   ' \
    '{"id":2,"cmd":["echo","two"]}' \
    '  {"cmd":"echo three; echo more"}  ' \
    $'\t{"cmd":["sh","-c","echo $0 $1","four","five"]}'
run "$FANOUT" -k --tasks lines.jsonl --joblog lines.log
assert_status "JSON Lines: exit status" 0
assert_eq "JSON Lines: every task in order, blank lines skipped" $'ONE\ntwo\nthree\nmore\nfour five' "$OUT"
assert_eq "JSON Lines: four jobs" 5 "$(line_count lines.log)"
assert_eq "JSON Lines: ids (given, or the task's number)" $'one\n2\n3\n4' "$(joblog_column lines.log 9)"

printf '{"id":"crlf","cmd":"echo a"}\r\n\r\n{"cmd":["echo","b"]}\r\n' >crlf.jsonl
run "$FANOUT" -k --tasks crlf.jsonl
assert_status "JSON Lines with CRLF line ends: exit status" 0
assert_eq "JSON Lines with CRLF line ends: both tasks" $'a\nb' "$OUT"
printf '{"cmd":"echo no newline at the end"}' >nonl.jsonl
run "$FANOUT" --tasks nonl.jsonl
assert_eq "JSON Lines: a last line without newline" "no newline at the end" "$OUT"

: >empty.jsonl
run "$FANOUT" --tasks empty.jsonl
assert_status "an empty task file: exit 0" 0
assert_eq "an empty task file: no output" "" "$OUT$ERR"
printf '\n  \n\n' >blank.jsonl
run "$FANOUT" --tasks blank.jsonl
assert_status "a task file of blank lines: exit 0" 0
assert_eq "a task file of blank lines: no output" "" "$OUT$ERR"

# --- a JSON array ---------------------------------------------------------------------------------
cat >array.json <<'EOF'
[
  {"id": "brackets", "cmd": ["printf", "%s\n", "x ] , } { [ \" y", "\\"]},
  {
    "id": "multi",
    "cmd": "echo '[multi, line]'",
    "env": {"A": "}{"}
  }
  ,{"id":"c","cmd":["echo","c"]},

  {"id": "last", "cmd": ["sh", "-c", "echo \"$A\"" ], "env": {"A": "a,\"]\""}}
]
EOF
run "$FANOUT" -k --tasks array.json --joblog array.log
assert_status "JSON array: exit status" 0
# shellcheck disable=SC1003 # a literal backslash
assert_eq "JSON array: multi-line elements, brackets, commas and quotes in strings" \
    'x ] , } { [ " y'$'\n''\'$'\n''[multi, line]'$'\n''c'$'\n''a,"]"' "$OUT"
assert_eq "JSON array: the ids" $'brackets\nmulti\nc\nlast' "$(joblog_column array.log 9)"
assert_eq "JSON array: nothing on stderr" "" "$ERR"
printf '\xEF\xBB\xBF[{"cmd":"echo bom"}]' >bom.json
run "$FANOUT" --tasks bom.json
assert_status "JSON array after a UTF-8 BOM: exit status" 0
assert_eq "JSON array after a UTF-8 BOM: runs" "bom" "$OUT"
printf '\xEF\xBB\xBF{"cmd":"echo bom lines"}\n' >bom.jsonl
run "$FANOUT" --tasks bom.jsonl
assert_eq "JSON Lines after a UTF-8 BOM: runs" "bom lines" "$OUT"
printf '\n\n   [{"cmd":"echo a"},{"cmd":"echo b"}]   \n\n' >spaced.json
run "$FANOUT" -k --tasks spaced.json
assert_status "JSON array after blank lines, all on one line: exit status" 0
assert_eq "JSON array after blank lines, all on one line" $'a\nb' "$OUT"
printf '[]\n' >empty_array.json
run "$FANOUT" --tasks empty_array.json
assert_status "an empty JSON array: exit 0" 0
assert_eq "an empty JSON array: nothing runs" "" "$OUT$ERR"
printf '[\n]\n' >empty_array2.json
run "$FANOUT" --tasks empty_array2.json
assert_status "an empty JSON array over two lines: exit 0" 0

# --- cmd: a command line or an argv array ------------------------------------------------------------
fresh_dir cmd
# Every word reaches the program byte for byte, and none runs as shell code.
tasks argv.jsonl \
    '{"id":"hostile","cmd":["'"$DUMP"'","a b","it'"'"'s","say \"hi\"","$(touch PWNED1)","`touch PWNED2`","l1\nl2","\ttab","*","","-n","a;touch PWNED3","$HOME","{}","back\\slash","\u00e9"]}'
printf '%s\0' 'a b' "it's" 'say "hi"' '$(touch PWNED1)' '`touch PWNED2`' $'l1\nl2' $'\ttab' '*' '' '-n' \
    'a;touch PWNED3' '$HOME' '{}' 'back\slash' 'é' >expected.bin
run "$FANOUT" --shell "$LOGSH" --tasks argv.jsonl
assert_status "argv array with hostile words: exit status" 0
assert_file_eq "argv array: every word reaches the program byte for byte" expected.bin "$OUT_FILE"
assert_no_file "argv array: nothing ran as shell code" PWNED1 PWNED2 PWNED3
assert_no_file "argv array: no shell was used" "$T/shell.log"
tasks shell.jsonl \
    '{"id":"pipe","cmd":"echo piped | tr a-z A-Z"}' \
    '{"id":"semicolon","cmd":"echo first; echo second"}' \
    '{"id":"subst","cmd":"echo $(echo substituted)"}'
run "$FANOUT" -k --shell "$LOGSH" --tasks shell.jsonl
assert_status "string cmd that needs a shell: exit status" 0
assert_eq "string cmd: run through the shell (pipes, ;, \$(...))" $'PIPED\nfirst\nsecond\nsubstituted' "$OUT"
assert_eq "string cmd that needs a shell: the shell is the one of --shell" 3 "$(line_count "$T/shell.log")"
rm -f "$T/shell.log"
tasks plain.jsonl '{"cmd":"echo plain words"}'
run "$FANOUT" --shell "$LOGSH" --tasks plain.jsonl
assert_eq "string cmd without shell syntax: runs" "plain words" "$OUT"
assert_file_exists "string cmd without shell syntax: --shell runs it through that shell" "$T/shell.log"
rm -f "$T/shell.log"
run "$FANOUT" --tasks plain.jsonl
assert_eq "string cmd without shell syntax, no --shell: runs (directly)" "plain words" "$OUT"
tasks braces.jsonl '{"cmd":"echo {} {#}"}' '{"cmd":["echo","{}","{%}"]}'
run "$FANOUT" -k --tasks braces.jsonl
assert_eq "replacement strings are not expanded in a task's cmd" $'{} {#}\n{} {%}' "$OUT"
cd "$T" || exit 1

# --- env -------------------------------------------------------------------------------------------------
tasks env.jsonl \
    '{"id":"override","cmd":["sh","-c","echo \"$EXISTING|$ADDED|$KEPT\""],"env":{"EXISTING":"from the task","ADDED":"new"}}' \
    '{"id":"untouched","cmd":["sh","-c","echo \"$EXISTING|${ADDED-unset}|$KEPT\""]}' \
    '{"id":"empty","cmd":["sh","-c","echo \"[${EXISTING-unset}]\""],"env":{"EXISTING":""}}' \
    '{"id":"odd","cmd":["sh","-c","printf \"%s\\n\" \"$ODD\""],"env":{"ODD":"a b\n$(x) é"}}' \
    '{"id":"seq","cmd":["sh","-c","echo $FANOUT_SEQ $PARALLEL_SEQ $FANOUT_SLOT"]}'
EXISTING=ours KEPT=kept run "$FANOUT" -k -j1 --tasks env.jsonl
assert_status "env: exit status" 0
mapfile -t lines <"$OUT_FILE"
assert_eq "env: adds variables and overrides ours" "from the task|new|kept" "${lines[0]:-}"
assert_eq "env: another task keeps our environment" "ours|unset|kept" "${lines[1]:-}"
assert_eq "env: an empty value overrides too" "[]" "${lines[2]:-}"
assert_eq "env: a value reaches the job byte for byte" 'a b' "${lines[3]:-}"
assert_eq "env: ... second line" '$(x) é' "${lines[4]:-}"
assert_eq "env: FANOUT_SEQ, PARALLEL_SEQ and FANOUT_SLOT are set" "5 5 1" "${lines[5]:-}"

# --- cwd ------------------------------------------------------------------------------------------------
fresh_dir cwd
mkdir -p 'sub dir/inner'
: >plain_file
tasks cwd.jsonl \
    '{"id":"abs","cmd":"pwd","cwd":"'"$T"'/cwd/sub dir"}' \
    '{"id":"rel","cmd":["pwd"],"cwd":"sub dir/inner"}' \
    '{"id":"none","cmd":"pwd"}' \
    '{"id":"missing","cmd":"pwd","cwd":"no/such/dir"}' \
    '{"id":"file","cmd":"pwd","cwd":"plain_file"}' \
    '{"id":"after","cmd":"echo after"}'
run "$FANOUT" -k -j1 --tasks cwd.jsonl --joblog cwd.log
assert_status "cwd: two tasks cannot start" 2
assert_eq "cwd: the jobs ran in their directories" \
    "$T/cwd/sub dir"$'\n'"$T/cwd/sub dir/inner"$'\n'"$T/cwd"$'\n'"after" "$OUT"
assert_contains "cwd: a missing directory is reported" \
    "fanout: job 4: cwd 'no/such/dir': No such file or directory" "$ERR"
assert_eq "cwd: a missing directory: Exitval 126" 126 "$(joblog_field cwd.log 4 7)"
assert_contains "cwd: the failure summary names the task" '  job 4 (task "missing", could not start): pwd' "$ERR"
assert_contains "cwd: a file, not a directory, is reported as such" \
    "fanout: job 5: cwd 'plain_file': Not a directory" "$ERR"
assert_eq "cwd: a file: Exitval 126" 126 "$(joblog_field cwd.log 5 7)"
cp /bin/true exe_file
tasks cwd_exe.jsonl '{"id":"exe","cmd":"true","cwd":"exe_file"}'
run "$FANOUT" --tasks cwd_exe.jsonl
assert_status "cwd: an executable file: the task cannot start" 1
assert_contains "cwd: an executable file: the message names the cwd" "fanout: job 1: cwd 'exe_file': Not a directory" "$ERR"
cd "$T" || exit 1

# --- stdin -----------------------------------------------------------------------------------------------
tasks stdin.jsonl \
    '{"id":"fed","cmd":"cat","stdin":"fed\nlines\n"}' \
    '{"id":"nul","cmd":["od","-An","-c"],"stdin":"a\u0000b"}' \
    '{"id":"none","cmd":"cat"}' \
    '{"id":"wc","cmd":"wc -c","stdin":"12345"}'
run "$FANOUT" -k --tasks stdin.jsonl --joblog stdin.log
assert_status "stdin: exit status" 0
mapfile -t lines <"$OUT_FILE"
assert_eq "stdin: the string is fed to the job" $'fed\nlines' "${lines[0]:-}"$'\n'"${lines[1]:-}"
assert_match "stdin: a NUL byte arrives" '^ +a +\\0 +b$' "${lines[2]:-}"
assert_eq "stdin: a string of 5 bytes" "5" "$(echo "${lines[3]:-}" | tr -d ' ')"
assert_eq "stdin: without it, the job reads nothing (/dev/null)" 4 "${#lines[@]}"
assert_eq "stdin: the joblog's Send counts it" $'10\n3\n0\n5' "$(joblog_column stdin.log 5)"
# With --tasks -, the jobs must not read the task list.
tasks from_stdin.jsonl '{"id":"first","cmd":"cat"}' '{"id":"second","cmd":["echo","second ran"]}'
run --stdin from_stdin.jsonl "$FANOUT" -k -j1 --tasks -
assert_status "--tasks -: exit status" 0
assert_eq "--tasks -: a job without stdin does not eat the task list" "second ran" "$OUT"
head -c 300000 /dev/zero | tr '\0' x >big_stdin.txt
printf '{"cmd":"wc -c","stdin":"%s"}\n' "$(cat big_stdin.txt)" >big_stdin.jsonl
run "$FANOUT" --tasks big_stdin.jsonl
assert_eq "stdin: 300,000 bytes" 300000 "$(tr -d ' ' <"$OUT_FILE")"

# --- timeout ---------------------------------------------------------------------------------------------
fresh_dir timeout
tasks timeout.jsonl \
    '{"id":"slow","cmd":["sleep","5.'"$MARK"'"],"timeout":0.3}' \
    '{"id":"slow-string","cmd":"sleep 5.'"$MARK"'","timeout":"200ms"}' \
    '{"id":"fast","cmd":"sleep 0.1","timeout":"1.5s"}'
start=$(date +%s.%N)
run "$FANOUT" -j3 --tasks timeout.jsonl --joblog timeout.log
took=$(elapsed_since "$start")
assert_status "timeout: two tasks time out" 2
assert_true "timeout: killed after about 0.3 s, not 5 s (took $took s)" awk -v t="$took" 'BEGIN { exit !(t < 2.5) }'
assert_eq "timeout: Exitval -1" "-1" "$(joblog_field timeout.log 1 7)"
assert_true "timeout 0.3: JobRuntime at least 0.25 s" awk -v r="$(joblog_field timeout.log 1 4)" -v most="$(scaled 2)" 'BEGIN { exit !(r >= 0.25 && r < most) }'
assert_eq "timeout \"200ms\": Exitval -1" "-1" "$(joblog_field timeout.log 2 7)"
assert_true "timeout \"200ms\": JobRuntime about 0.2 s" awk -v r="$(joblog_field timeout.log 2 4)" 'BEGIN { exit !(r >= 0.15 && r < 2) }'
assert_eq "timeout \"1.5s\": a faster job succeeds" "0" "$(joblog_field timeout.log 3 7)"
assert_contains "timeout: the summary says so" '(task "slow", timed out)' "$ERR"
# A task's timeout overrides --timeout, both ways.
tasks override.jsonl \
    '{"id":"longer","cmd":"sleep 0.6","timeout":"5s"}' \
    '{"id":"default","cmd":"sleep 5.'"$MARK"'"}' \
    '{"id":"shorter","cmd":"sleep 5.'"$MARK"'","timeout":0.2}'
run "$FANOUT" -j3 --timeout 0.4 --tasks override.jsonl --joblog override.log
assert_status "timeout overrides --timeout: two time out" 2
assert_eq "timeout 5s overrides --timeout 0.4" 0 "$(joblog_field override.log 1 7)"
assert_eq "no timeout field: --timeout 0.4 applies" "-1" "$(joblog_field override.log 2 7)"
assert_eq "timeout 0.2 under --timeout 0.4: timed out" "-1" "$(joblog_field override.log 3 7)"
assert_true "timeout 0.2 under --timeout 0.4: the task's is used" awk -v r="$(joblog_field override.log 3 4)" 'BEGIN { exit !(r < 0.38) }'
assert_eq "timeout: no sleep is left" "" "$(pgrep -f "^sleep 5\.$MARK")"
cd "$T" || exit 1

# --- retries ---------------------------------------------------------------------------------------------
fresh_dir retries
# Each run adds a line to its counter file and fails until the file has N lines.
flaky() { # NAME FAILURES
    printf 'echo x >>%s.count; [ $(wc -l <%s.count) -gt %s ]' "$1" "$1" "$2"
}
tasks retries.jsonl \
    '{"id":"twice","cmd":"'"$(flaky twice 2)"'","retries":3}' \
    '{"id":"short","cmd":"'"$(flaky short 2)"'","retries":2}' \
    '{"id":"none","cmd":"'"$(flaky none 1)"'","retries":0}' \
    '{"id":"global","cmd":"'"$(flaky global 3)"'"}'
run "$FANOUT" -j1 --retries 3 --tasks retries.jsonl --results retries.out.jsonl
assert_status "retries: three tasks still fail" 3
assert_eq "retries 3: failed twice, then succeeded (3 runs)" 3 "$(line_count twice.count)"
assert_eq "retries 2: 2 runs in all, then failed" 2 "$(line_count short.count)"
assert_eq "retries 0 overrides --retries 3: 1 run" 1 "$(line_count none.count)"
assert_eq "no retries field: --retries 3 applies (3 runs in all)" 3 "$(line_count global.count)"
assert_eq "retries: --results attempts and exit codes" $'twice 3 0\nshort 2 1\nnone 1 1\nglobal 3 1' \
    "$(jq -r '"\(.seq) \(.id) \(.attempts) \(.exit_code)"' retries.out.jsonl | sort -n | cut -d' ' -f2-)"
cd "$T" || exit 1

# --- tag -------------------------------------------------------------------------------------------------
tasks tag.jsonl \
    '{"id":"a","cmd":["sh","-c","echo out; echo err >&2"],"tag":"TAG"}' \
    '{"id":"b","cmd":["echo","untagged"]}' \
    '{"id":"c","cmd":["printf","1\\n2\\n"],"tag":"two lines"}'
run "$FANOUT" -k --tasks tag.jsonl
assert_status "tag: exit status" 0
assert_eq "tag: prefixes stdout lines without --tag; untagged tasks stay plain" \
    $'TAG\tout\nuntagged\ntwo lines\t1\ntwo lines\t2' "$OUT"
assert_eq "tag: prefixes stderr lines too" $'TAG\terr' "$ERR"
run "$FANOUT" -k --tag --tasks tag.jsonl
assert_eq "--tag: the id when there is no tag field" $'TAG\tout\nb\tuntagged\ntwo lines\t1\ntwo lines\t2' "$OUT"
tasks tag_ids.jsonl '{"cmd":["echo","x"]}' '{"id":7,"cmd":["echo","y"]}'
run "$FANOUT" -k --tag --tasks tag_ids.jsonl
assert_eq "--tag: default and integer ids" $'1\tx\n7\ty' "$OUT"

# --- malformed entries ----------------------------------------------------------------------------------
fresh_dir malformed
# bad ID JSON WHERE MESSAGE: one more line of bad.jsonl, to be reported at its column
# WHERE (the first occurrence of that text, or "@N" for column N) with MESSAGE and the
# task's ID.
BAD_LINES=()
BAD_EXPECTED=()
BAD_IDS=()
bad() {
    local id=$1 json=$2 where=$3 message=$4 column
    BAD_LINES+=("$json")
    if [[ $where == @* ]]; then
        column=${where#@}
    else
        local before=${json%%"$where"*}
        column=$((${#before} + 1))
    fi
    BAD_EXPECTED+=("bad.jsonl:${#BAD_LINES[@]}:$column|$message|(task \"$id\")")
    BAD_IDS+=("${#BAD_LINES[@]} $id")
}
good() {
    BAD_LINES+=("$1")
}
good '{"id":"ok1","cmd":["echo","ok1"]}'
bad unknown '{"id":"unknown","cmd":"true","bogus":1}' '"bogus"' 'unknown field "bogus"'
bad spaced '  {"id":"spaced",   "cmd":"true",  "zzz":1}' '"zzz"' 'unknown field "zzz"'
bad cmd-number '{"id":"cmd-number","cmd":5}' '"cmd"' '"cmd" must be a command line (a string) or a non-empty array of strings, not a number'
bad cmd-object '{"id":"cmd-object","cmd":{"a":1}}' '"cmd"' '"cmd" must be a command line (a string) or a non-empty array of strings, not an object'
bad cmd-word '{"id":"cmd-word","cmd":["echo",5]}' '"cmd"' '"cmd" array holds a number; every word must be a string'
bad cmd-empty '{"id":"cmd-empty","cmd":""}' '"cmd"' '"cmd" is empty'
bad cmd-blank '{"id":"cmd-blank","cmd":"  \t "}' '"cmd"' '"cmd" is empty'
bad cmd-empty-array '{"id":"cmd-empty-array","cmd":[]}' '"cmd"' '"cmd" must be a command line (a string) or a non-empty array of strings, not an empty array'
bad cmd-empty-program '{"id":"cmd-empty-program","cmd":["","x"]}' '"cmd"' '"cmd" names no program'
bad no-cmd '{"id":"no-cmd","env":{"A":"b"}}' '{' 'no "cmd": a task needs a command'
bad 12 '{"id":true,"cmd":"true"}' '"id"' '"id" must be a non-empty string or an integer, not a boolean'
bad 13 '{"cmd":"true","id":1.5}' '"id"' '"id" must be a non-empty string or an integer, not a number'
bad 14 '{"cmd":"true","id":""}' '"id"' '"id" must be a non-empty string or an integer, not a string'
bad 15 '{"cmd":"true","id":["a"]}' '"id"' '"id" must be a non-empty string or an integer, not an array'
bad env-string '{"id":"env-string","cmd":"true","env":"A=1"}' '"env"' '"env" must be an object of strings, not a string'
bad env-number '{"id":"env-number","cmd":"true","env":{"A":"a","B":1}}' '"env"' '"env": "B" must be a string, not a number'
bad env-null '{"id":"env-null","cmd":"true","env":{"A":null}}' '"env"' '"env": "A" must be a string, not null'
bad env-name '{"id":"env-name","cmd":"true","env":{"A=B":"x"}}' '"env"' "\"env\": 'A=B' is not a variable name"
bad cwd-number '{"id":"cwd-number","cmd":"true","cwd":5}' '"cwd"' '"cwd" must be a string, not a number'
bad cwd-empty '{"id":"cwd-empty","cmd":"true","cwd":""}' '"cwd"' '"cwd" is empty'
bad timeout-negative '{"id":"timeout-negative","cmd":"true","timeout":-1}' '"timeout"' '"timeout" must be a positive number of seconds'
bad timeout-zero '{"id":"timeout-zero","cmd":"true","timeout":0}' '"timeout"' '"timeout" must be a positive number of seconds'
bad timeout-bool '{"id":"timeout-bool","cmd":"true","timeout":true}' '"timeout"' '"timeout" must be seconds (a number) or a duration such as "1.5s", not a boolean'
bad timeout-text '{"id":"timeout-text","cmd":"true","timeout":"soon"}' '"timeout"' "\"timeout\": invalid value 'soon'"
bad timeout-negative-text '{"id":"timeout-negative-text","cmd":"true","timeout":"-2s"}' '"timeout"' '"timeout"'
bad retries-negative '{"id":"retries-negative","cmd":"true","retries":-1}' '"retries"' '"retries" must be a whole number of at least 0, not -1'
bad retries-fraction '{"id":"retries-fraction","cmd":"true","retries":1.5}' '"retries"' '"retries" must be a whole number of at least 0, not 1.5'
bad retries-string '{"id":"retries-string","cmd":"true","retries":"2"}' '"retries"' '"retries" must be a whole number of at least 0, not a string'
bad stdin-number '{"id":"stdin-number","cmd":"cat","stdin":5}' '"stdin"' '"stdin" must be a string, not a number'
bad tag-number '{"id":"tag-number","cmd":"true","tag":5}' '"tag"' '"tag" must be a string, not a number'
bad 32 '[1,2]' '@1' 'a task must be a JSON object, not an array'
bad 33 '"echo hi"' '@1' 'a task must be a JSON object, not a string'
bad 34 '  42' '@3' 'a task must be a JSON object, not a number'
bad truncated '{"id":"truncated","cmd":"true"' '@31' 'malformed JSON: '
bad trailing-comma '{"id":"trailing-comma","cmd":"true",}' '@37' 'malformed JSON: '
bad two-objects '{"id":"two-objects","cmd":"true"} {"cmd":"true"}' '@35' 'malformed JSON: '
bad 38 '{cmd:"true"}' '@2' 'malformed JSON: '
bad nul-cmd-word '{"id":"nul-cmd-word","cmd":["echo","keep\u0000.bak"]}' '"cmd"' '"cmd"[1] contains a NUL byte, which no command argument can hold'
bad nul-cmd-line '{"id":"nul-cmd-line","cmd":"echo keep\u0000.bak"}' '"cmd"' '"cmd" contains a NUL byte, which no command line can hold'
bad nul-env '{"id":"nul-env","cmd":"true","env":{"A":"x\u0000y"}}' '"env"' '"env": "A" contains a NUL byte, which no environment value can hold'
bad nul-cwd '{"id":"nul-cwd","cmd":"true","cwd":"/tmp\u0000/nonexistent"}' '"cwd"' '"cwd" contains a NUL byte, which no directory name can hold'
bad dup-cmd '{"id":"dup-cmd","cmd":["echo","a"],"cmd":["echo","b"]}' '@36' 'duplicate key "cmd"'
bad dup-env '{"id":"dup-env","cmd":"true","env":{"A":"1","B":"2","A":"3"}}' '"env"' 'duplicate key "A" in "env"'
good '{"id":"ok2","cmd":"echo ok2"}'
printf '%s\n' "${BAD_LINES[@]}" >bad.jsonl
run "$FANOUT" -k --tasks bad.jsonl --joblog bad.log
assert_status "malformed entries: the exit status counts them" "${#BAD_EXPECTED[@]}"
assert_eq "malformed entries: the valid tasks still run" $'ok1\nok2' "$OUT"
for expected in "${BAD_EXPECTED[@]}"; do
    IFS='|' read -r where message id_part <<<"$expected"
    line=$(grep -F -- "fanout: $where: " "$ERR_FILE" | head -n 1)
    assert_contains "malformed: reported at $where" "fanout: $where: $message" "$line"
    assert_eq "malformed: the message at $where ends with the task's id" "$id_part" "${line: -${#id_part}}"
done
assert_eq "malformed: one stderr line per entry, then the summary" \
    "${#BAD_EXPECTED[@]}" "$(grep -c '^fanout: bad\.jsonl:' "$ERR_FILE")"
assert_eq "malformed: no other message" "" \
    "$(grep -v -e '^fanout: bad\.jsonl:' -e '^fanout: [0-9]* of [0-9]* jobs failed:$' -e '^  job ' -e '^  \.\.\. and ' "$ERR_FILE")"
assert_eq "malformed: every entry is a job in the joblog" "$((${#BAD_LINES[@]} + 1))" "$(line_count bad.log)"
expected_ids=$(printf '%s\n' "${BAD_IDS[@]}")
assert_eq "malformed: the joblog's Id of each (given, or the entry's number)" "$expected_ids" \
    "$(awk -F'\t' 'NR > 1 && $7 == 126 { print $1 " " $9 }' bad.log | sort -n)"
assert_eq "malformed: Exitval 126 for each" "${#BAD_EXPECTED[@]}" "$(awk -F'\t' 'NR > 1 && $7 == 126' bad.log | wc -l)"
assert_contains "malformed: the summary says could not start, with the id" \
    '  job 2 (task "unknown", could not start)' "$ERR"
assert_contains "malformed: the summary counts" "fanout: ${#BAD_EXPECTED[@]} of ${#BAD_LINES[@]} jobs failed:" "$ERR"

# Errors in a JSON array: the position is in the file, inside multi-line elements too.
cat >bad_array.json <<'EOF'
[
  {"id": "x",
   "cmd": "true",
   "bogus": 1},
	{"id":"y","cmd":"true", "cwd": 3},
  {"id":"fine","cmd":"echo fine"}
]
EOF
run "$FANOUT" --tasks bad_array.json
assert_status "array: two malformed elements" 2
assert_eq "array: the valid element runs" "fine" "$OUT"
assert_contains "array: a field on the 3rd line of an element" 'fanout: bad_array.json:4:4: unknown field "bogus"' "$ERR"
assert_contains "array: ... with the id" '(task "x")' "$ERR"
assert_contains "array: a tab counts as one column" 'fanout: bad_array.json:5:26: "cwd" must be a string, not a number (task "y")' "$ERR"
printf '[{"cmd":"echo 1"},,{"cmd":"echo 2"}]' >empty_entry.json
run "$FANOUT" -k --tasks empty_entry.json
assert_status "array: an empty entry is a failed job" 1
assert_eq "array: an empty entry: the others run" $'1\n2' "$OUT"
assert_contains "array: an empty entry" "fanout: empty_entry.json:1:19: an empty entry in the JSON array" "$ERR"
printf '[{"cmd":"echo 1"},\n  ,\n{"cmd":"echo 2"}]' >empty_entry2.json
run "$FANOUT" -k --tasks empty_entry2.json
assert_contains "array: an empty entry on a line of its own" "fanout: empty_entry2.json:2:3: an empty entry in the JSON array" "$ERR"
printf '[{"cmd":"echo 1"},]' >trailing_comma.json
run "$FANOUT" -k --tasks trailing_comma.json
assert_status "array: a comma before ']' is an empty entry (JSON allows no trailing comma)" 1
assert_contains "array: a comma before ']': reported" "an empty entry in the JSON array" "$ERR"
printf '[{"cmd":"echo 1"}] x\n' >after.json
run "$FANOUT" -k --tasks after.json
assert_status "array: text after the end is a failed job" 1
assert_eq "array: text after the end: the tasks before it run" "1" "$OUT"
assert_contains "array: text after the end" "fanout: after.json:1:20: text after the end of the JSON array" "$ERR"
printf '[{"cmd":"echo 1"}]\n[{"cmd":"echo 2"}]\n' >two_arrays.json
run "$FANOUT" -k --tasks two_arrays.json
assert_status "array: a second array is text after the end (once)" 1
assert_eq "array: a second array does not run" "1" "$OUT"
printf '[{"cmd":"echo 1"},\n{"cmd":"echo 2"}' >unclosed.json
run "$FANOUT" -k --tasks unclosed.json
assert_status "array: not closed: a failed job" 1
assert_eq "array: not closed: the elements run" $'1\n2' "$OUT"
assert_contains "array: not closed" "fanout: unclosed.json:2:16: the JSON array is not closed with ']'" "$ERR"
printf '[{"cmd":"echo 1"},\n {"id":"m","cmd":"true" "x":1}]' >malformed.json
run "$FANOUT" -k --tasks malformed.json
assert_status "array: a malformed element" 1
assert_match "array: a malformed element: where, and its id" \
    '^fanout: malformed\.json:2:27: malformed JSON: .* \(task "m"\)$' "$(head -n 1 "$ERR_FILE")"
printf '[{"id":"m","cmd":"true"}, 5, "s", null, [] ]' >not_objects.json
run "$FANOUT" -k --tasks not_objects.json
assert_status "array: elements that are not objects" 4
assert_contains "array: a number" 'not_objects.json:1:27: a task must be a JSON object, not a number (task "2")' "$ERR"
assert_contains "array: a string" 'not_objects.json:1:30: a task must be a JSON object, not a string (task "3")' "$ERR"
assert_contains "array: null" 'not_objects.json:1:35: a task must be a JSON object, not null (task "4")' "$ERR"
assert_contains "array: an array" 'not_objects.json:1:41: a task must be a JSON object, not an array (task "5")' "$ERR"
tasks stdin_source.jsonl '{"id":"s","cmd":"true","nope":1}'
run --stdin stdin_source.jsonl "$FANOUT" --tasks -
assert_eq "--tasks -: messages name stdin" 'fanout: stdin:1:24: unknown field "nope" (known: id, cmd, env, cwd, timeout, retries, stdin, tag) (task "s")' \
    "$(head -n 1 "$ERR_FILE")"

# --halt now,fail=1: nothing more starts after a malformed entry.
tasks halt.jsonl '{"id":"a","cmd":"touch ran.a"}' '{"id":"bad","cmd":1}' '{"id":"c","cmd":"touch ran.c"}'
run "$FANOUT" -j1 --halt now,fail=1 --tasks halt.jsonl
assert_status "--halt now,fail=1: the status of the entry that failed (126)" 126
assert_file_exists "--halt now,fail=1: the task before it ran" ran.a
assert_no_file "--halt now,fail=1: nothing after it starts" ran.c
assert_contains "--halt now,fail=1: the entry is reported" 'halt.jsonl:2:13: "cmd" must be' "$ERR"
cd "$T" || exit 1

# --- exit status: the number of failed tasks -----------------------------------------------------------------
for n in 3 100 101 150; do
    for i in $(seq "$n"); do printf '{"id":"f%d","cmd":"true","x":1}\n' "$i"; done >"failing$n.jsonl"
    printf '{"cmd":"true"}\n' >>"failing$n.jsonl"
    run "$FANOUT" --tasks "failing$n.jsonl"
    expected=$n
    [ "$n" -gt 100 ] && expected=101
    assert_status "$n failed tasks: exit status $expected" "$expected"
done
tasks exits.jsonl '{"cmd":"exit 3"}' '{"cmd":["false"]}' '{"cmd":"true"}'
run "$FANOUT" --tasks exits.jsonl
assert_status "two tasks exit non-zero: 2" 2

# --- reports: the id everywhere --------------------------------------------------------------------------------
fresh_dir reports
tasks report.jsonl \
    '{"id":"alpha","cmd":"echo a"}' \
    '{"id":7,"cmd":["echo","b c"]}' \
    '{"cmd":"exit 3"}' \
    '{"id":"x<&>\"y","cmd":["printf","%s","q"],"stdin":"abc"}' \
    '{"id":"broken","cmd":"true","extra":1}'
run "$FANOUT" -k --tasks report.jsonl --joblog log.tsv --results results.jsonl --junit junit.xml
assert_status "reports: two tasks failed" 2
header=$'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tId\tCommand'
assert_eq "joblog: the header has an Id column before Command" "$header" "$(head -n 1 log.tsv)"
assert_eq "joblog: every line has 10 tab-separated fields" "" "$(awk -F'\t' 'NF != 10' log.tsv)"
assert_eq "joblog: the ids" $'alpha\n7\n3\nx<&>"y\nbroken' "$(joblog_column log.tsv 9)"
assert_eq "joblog: the commands (argv shown as a shell would read it)" \
    $'echo a\necho \'b c\'\nexit 3\nprintf %s q\n(report.jsonl line 5)' "$(joblog_column log.tsv 10)"
assert_eq "joblog: Exitval" $'0\n0\n3\n0\n126' "$(joblog_column log.tsv 7)"
assert_eq "joblog: Send is the stdin field's bytes" $'0\n0\n0\n3\n0' "$(joblog_column log.tsv 5)"
assert_eq "--results: an \"id\" field, a string" $'"alpha"\n"7"\n"3"\n"x<&>\\"y"\n"broken"' \
    "$(jq -r '"\(.seq)\t\(.id | tojson)"' results.jsonl | sort -n | cut -f2)"
assert_eq "--results: stdin_bytes" "3" "$(jq -r 'select(.id == "x<&>\"y") | .stdin_bytes' results.jsonl)"
assert_eq "--results: a malformed entry did not start" "false 126" \
    "$(jq -r 'select(.id == "broken") | "\(.started) \(.exit_code)"' results.jsonl)"
assert_true "--junit: validates against junit.xsd" validates junit.xml
assert_eq "--junit: test names are 'ID: command'" \
    "$(printf '%s\n' 'alpha: echo a' "7: echo 'b c'" '3: exit 3' 'x<&>"y: printf %s q' 'broken: (report.jsonl line 5)' | sort)" \
    "$(xmllint --xpath '//testcase/@name' junit.xml | sed 's/^ *name="\(.*\)"$/\1/' |
        sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g' | sort)"
assert_eq "--junit: the failures" "2" "$(xmllint --xpath 'count(//testcase/failure)' junit.xml)"
# A tab or newline in an id keeps the joblog one line per job.
tasks odd_id.jsonl '{"id":"a\tb\nc","cmd":"true"}'
run "$FANOUT" --tasks odd_id.jsonl --joblog odd.tsv
assert_eq "joblog: an id with a tab and a newline stays on one line" 2 "$(line_count odd.tsv)"
assert_eq "joblog: ... of 10 fields" "" "$(awk -F'\t' 'NF != 10' odd.tsv)"

# --resume and --resume-failed with a joblog that has the Id column.
tasks resume.jsonl \
    '{"id":"a","cmd":"echo a >> ran"}' \
    '{"id":"b","cmd":"echo b >> ran; [ -e fixed ]"}' \
    '{"id":"c","cmd":["sh","-c","echo c >> ran"]}'
run "$FANOUT" -j1 --tasks resume.jsonl --joblog resume.tsv
assert_status "--resume: the first run has a failure" 1
rm -f ran
run "$FANOUT" -j1 --tasks resume.jsonl --joblog resume.tsv --resume
assert_status "--resume: nothing left to run: exit 0" 0
assert_no_file "--resume: no task runs again" ran
assert_eq "--resume: nothing is logged" 4 "$(line_count resume.tsv)"
touch fixed
run "$FANOUT" -j1 --tasks resume.jsonl --joblog resume.tsv --resume-failed
assert_status "--resume-failed: the failed task now succeeds" 0
assert_eq "--resume-failed: only the failed task runs" "b" "$(cat ran 2>/dev/null)"
assert_eq "--resume-failed: appended, one header" "1 5" "$(grep -c '^Seq' resume.tsv) $(line_count resume.tsv)"
assert_eq "--resume-failed: the new line has the id" "b" "$(tail -n 1 resume.tsv | cut -f9)"
# An interrupted run: --resume runs the rest.
for i in $(seq 20); do printf '{"id":"t%d","cmd":"sleep 0.2; echo %d"}\n' "$i" "$i"; done >twenty.jsonl
# Interrupted once two tasks are logged (not after a fixed time: a loaded machine or the
# sanitizer build may not have started by then).
logged_at_least() { [ -f "$1" ] && [ "$(line_count "$1")" -gt "$2" ]; }
env --default-signal=INT "$FANOUT" -j2 --tasks twenty.jsonl --joblog twenty.tsv >/dev/null 2>&1 &
pid=$!
kill_at_exit "$pid"
wait_until 60 logged_at_least twenty.tsv 2
kill -INT "$pid"
wait "$pid"
done_first=$(($(line_count twenty.tsv) - 1))
assert_ge "--resume: the interrupted run did some of the work" 2 "$done_first"
assert_le "--resume: the interrupted run did not do all of the work" 19 "$done_first"
run "$FANOUT" -j4 --tasks twenty.jsonl --joblog twenty.tsv --resume
assert_status "--resume after an interruption: exit 0" 0
assert_eq "--resume after an interruption: every task once" "$(seq 20)" \
    "$(awk -F'\t' 'NR > 1 { print $1 }' twenty.tsv | sort -n)"
assert_eq "--resume after an interruption: the ids match the numbers" "" \
    "$(awk -F'\t' 'NR > 1 && $9 != "t" $1' twenty.tsv)"
cd "$T" || exit 1

# --- --dry-run ---------------------------------------------------------------------------------------------------
fresh_dir dry
tasks dry.jsonl '{"id":"a","cmd":"touch ran.a"}' '{"id":"b","cmd":["touch","ran b"]}'
run "$FANOUT" -k --dry-run --tasks dry.jsonl
assert_status "--dry-run: exit status" 0
assert_eq "--dry-run: prints each command" $'touch ran.a\ntouch \'ran b\'' "$OUT"
assert_no_file "--dry-run: nothing runs" ran.a "ran b"
cd "$T" || exit 1

# --- a NUL byte in a task, a key given twice: the task does not run -------------------------------------------
# A NUL byte would cut a word, a value or a directory short; of two values for one key,
# JSON parsers keep either. Such a task fails before it starts, in the run and in --dry-run.
fresh_dir nul
mkdir sub
: >important
tasks nul.jsonl \
    '{"id":"rm","cmd":["rm","important\u0000.bak"]}' \
    '{"id":"line","cmd":"touch line\u0000.bak"}' \
    '{"id":"env","cmd":["sh","-c","touch \"env$A\""],"env":{"A":"x\u0000y"}}' \
    '{"id":"cwd","cmd":["touch","ran"],"cwd":"sub\u0000/nonexistent"}' \
    '{"id":"dup","cmd":["touch","first"],"cmd":["touch","second"]}' \
    '{"id":"dupenv","cmd":["sh","-c","touch \"dupenv$A\""],"env":{"A":"1","A":"2"}}' \
    '{"id":"fine","cmd":["touch","fine"]}'
NUL_MESSAGES=(
    'fanout: nul.jsonl:1:12: "cmd"[1] contains a NUL byte, which no command argument can hold (task "rm")'
    'fanout: nul.jsonl:2:14: "cmd" contains a NUL byte, which no command line can hold (task "line")'
    'fanout: nul.jsonl:3:49: "env": "A" contains a NUL byte, which no environment value can hold (task "env")'
    'fanout: nul.jsonl:4:35: "cwd" contains a NUL byte, which no directory name can hold (task "cwd")'
    'fanout: nul.jsonl:5:37: duplicate key "cmd" (task "dup")'
    'fanout: nul.jsonl:6:55: duplicate key "A" in "env" (task "dupenv")'
)
run "$FANOUT" -k --tasks nul.jsonl
assert_status "NUL and duplicate keys: the exit status counts the six tasks" 6
assert_file_exists "NUL in a cmd word: 'important' is not removed" important
assert_no_file "NUL and duplicate keys: none of those tasks ran" line line.bak envx envxy sub/ran ran first second \
    dupenv1 dupenv2
assert_file_exists "NUL and duplicate keys: the other task ran" fine
for message in "${NUL_MESSAGES[@]}"; do
    assert_contains "task not run: ${message%% (task*}" "$message" "$ERR"
done
rm fine
run "$FANOUT" -k --dry-run --tasks nul.jsonl
assert_status "--dry-run: the same six tasks fail" 6
assert_eq "--dry-run: only the other command is shown" "touch fine" "$OUT"
for message in "${NUL_MESSAGES[@]}"; do
    assert_contains "--dry-run says: ${message%% (task*}" "$message" "$ERR"
done
cd "$T" || exit 1

# --- 5,000 tasks, and 2,000 in an array (each through sh: "true" is a builtin) -------------------------------------------------------------------------------------------
fresh_dir many
awk 'BEGIN { for (i = 1; i <= 5000; i++) printf "{\"id\":\"t%d\",\"cmd\":[\"true\"]}\n", i }' >many.jsonl
run --timeout 180 "$FANOUT" --tasks many.jsonl --joblog many.tsv
assert_status "5,000 tasks: exit status" 0
assert_eq "5,000 tasks: nothing on stderr" "" "$ERR"
assert_eq "5,000 tasks: every one logged" 5001 "$(line_count many.tsv)"
assert_eq "5,000 tasks: every id once" 5000 "$(awk -F'\t' 'NR > 1 { print $9 }' many.tsv | sort -u | wc -l)"
assert_eq "5,000 tasks: each id with its number" "" "$(awk -F'\t' 'NR > 1 && $9 != "t" $1' many.tsv)"
{
    echo '['
    awk 'BEGIN { for (i = 1; i <= 1999; i++) printf "  {\"cmd\": \"true\"},\n"; print "  {\"cmd\": \"true\"}" }'
    echo ']'
} >many.json
run --timeout 180 "$FANOUT" --tasks many.json --joblog many_array.tsv
assert_status "2,000 tasks in an array: exit status" 0
assert_eq "2,000 tasks in an array: every one logged" 2001 "$(line_count many_array.tsv)"
cd "$T" || exit 1

# --- usage errors: 255, one line, no job started ---------------------------------------------------------------------
tasks "$T/ok.jsonl" '{"id":"x","cmd":"touch ran"}'
printf 'a\n' >"$T/one.txt"
usage_error() { # DESC NEEDLE FANOUT-ARGS... (a job that runs creates ./ran)
    local desc=$1 needle=$2
    shift 2
    fresh_dir "usage$((RUN_N + 1))"
    run "$FANOUT" "$@"
    assert_usage_error "$desc" "$needle"
    assert_no_file "$desc: no job started" ran
    cd "$T" || exit 1
}
usage_error "--tasks with a command" "--tasks" --tasks "$T/ok.jsonl" touch ran
usage_error "--tasks with :::" "--tasks" --tasks "$T/ok.jsonl" ::: a
usage_error "--tasks with ::::" "--tasks" --tasks "$T/ok.jsonl" :::: "$T/one.txt"
usage_error "--tasks with -a" "--tasks" --tasks "$T/ok.jsonl" -a "$T/one.txt"
usage_error "--tasks with --pipe" "--pipe" --tasks "$T/ok.jsonl" --pipe
usage_error "--tasks with -n" "--tasks" --tasks "$T/ok.jsonl" -n 2
usage_error "--tasks with -N" "--tasks" --tasks "$T/ok.jsonl" -N 2
usage_error "--tasks with -X" "--tasks" --tasks "$T/ok.jsonl" -X
usage_error "--tasks with --colsep" "--tasks" --tasks "$T/ok.jsonl" --colsep ,
usage_error "--tasks without a file" "--tasks" --tasks
# Given twice, the last counts (as GNU parallel does with its single-value options).
usage_error "--tasks twice: the last counts" "no/such/last.jsonl" --tasks "$T/ok.jsonl" --tasks no/such/last.jsonl
usage_error "--tasks with a missing file" "no/such/tasks.jsonl" --tasks no/such/tasks.jsonl
usage_error "--tasks with a directory" "$T" --tasks "$T"

end_of_tests
