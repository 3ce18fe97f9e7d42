# --pipe (alias --spreadstdin): the input cut into blocks on record boundaries, each block
# one job's stdin. --block, --recend, --recstart, -N, --header, --round-robin; empty input,
# one record, records larger than a block, CRLF, binary data, 1 GiB byte for byte; long
# records (work linear in their length, SIGTERM heard while one is read); jobs
# that exit without reading; failures; the joblog's Send column and --results'
# stdin_bytes; -a FILE as the stream; and every usage error. Where GNU parallel (if
# installed) defines the behaviour, its output is the reference.
# shellcheck source=lib.sh disable=SC1083,SC2016,SC2317 # literal braces and unexpanded $ are the point; wait_until calls the small functions
source "$(dirname "$0")/lib.sh"

# gnu_same DESC INPUT_FILE ARGS...: same_as_gnu (lib.sh) with --pipe -k ARGS.
gnu_same() {
    same_as_gnu "$1" "$2" --pipe -k "${@:3}"
}

# block_sizes FILE: the numbers `wc -c` printed, one per line (leading blanks removed).
block_sizes() {
    awk '{ print $1 }' "$1"
}

# joblog_column FILE COLUMN: one column of every job line, in Seq order.
joblog_column() {
    awk -F'\t' -v col="$2" 'NR > 1 { print $1 "\t" $col }' "$1" | sort -n | cut -f2
}

# --- the basics ------------------------------------------------------------------------
seq 10 >ten.txt
seq 1000 >thousand.txt
run --stdin ten.txt "$FANOUT" --pipe -k --block 6 wc -l
assert_status "--pipe --block 6 over seq 10: exit status" 0
assert_eq "--pipe --block 6 over seq 10: lines per block" $'3\n3\n3\n1' "$OUT"
assert_eq "--pipe --block 6: nothing on stderr" "" "$ERR"
gnu_same "--pipe --block 6 wc -l" ten.txt --block 6 wc -l
run --stdin ten.txt "$FANOUT" --spreadstdin -k --block 6 wc -l
assert_eq "--spreadstdin is --pipe" $'3\n3\n3\n1' "$OUT"
run --stdin ten.txt "$FANOUT" --pipe -k cat
assert_file_eq "--pipe cat: the input comes out whole (one default 1M block)" ten.txt "$OUT_FILE"
run --stdin ten.txt "$FANOUT" --pipe -k --block 6 --tagstring 'job{#}' wc -l
assert_eq "--pipe: {#} is the block's number" $'job1\t3\njob2\t3\njob3\t3\njob4\t1' "$OUT"
run --stdin ten.txt "$FANOUT" --pipe -k --block 6 'cat >/dev/null; echo $FANOUT_SEQ'
assert_eq "--pipe: FANOUT_SEQ is the block's number" $'1\n2\n3\n4' "$OUT"
run --stdin ten.txt "$FANOUT" --pipe --dry-run --block 6 cat
assert_status "--pipe --dry-run: exit status" 0
assert_eq "--pipe --dry-run: the command once per block, nothing run" $'cat\ncat\ncat\ncat' "$OUT"

# --- empty input, one record -------------------------------------------------------------
fresh_dir empty
: >empty.txt
run --stdin empty.txt "$FANOUT" --pipe 'touch ran.$FANOUT_SEQ'
assert_status "0 bytes of input: exit 0" 0
assert_eq "0 bytes of input: no output" "" "$OUT$ERR"
assert_no_file "0 bytes of input: no job ran" ran.1
run --stdin empty.txt "$FANOUT" --pipe -N 2 'touch ran.$FANOUT_SEQ'
assert_status "0 bytes of input, -N 2: exit 0" 0
assert_no_file "0 bytes of input, -N 2: no job ran" ran.1
run --stdin empty.txt "$FANOUT" --pipe --round-robin -j3 'touch ran.$FANOUT_SEQ'
assert_status "0 bytes of input, --round-robin: exit 0" 0
assert_no_file "0 bytes of input, --round-robin: no job ran" ran.1
run --stdin empty.txt "$FANOUT" --pipe --header 1 'touch ran.$FANOUT_SEQ'
assert_status "0 bytes of input, --header 1: exit 0" 0
assert_no_file "0 bytes of input, --header 1: no job ran" ran.1
run --input $'h\n' "$FANOUT" --pipe --header 1 'touch ran.$FANOUT_SEQ'
assert_status "only a header: exit 0" 0
assert_no_file "only a header: no job ran (as GNU parallel)" ran.1
cd "$T" || exit 1

run --input $'one record\n' "$FANOUT" --pipe --joblog one.log cat
assert_status "one record: exit status" 0
assert_eq "one record: passed as it is" "one record" "$OUT"
assert_eq "one record: one job" 2 "$(line_count one.log)"
printf 'no newline' >nonl.txt
run --stdin nonl.txt "$FANOUT" --pipe cat
assert_file_eq "one record without a newline: passed byte for byte" nonl.txt "$OUT_FILE"
run --stdin nonl.txt "$FANOUT" --pipe --block 3 cat
assert_file_eq "one record without a newline, longer than the block: never cut" nonl.txt "$OUT_FILE"

# --- block sizes ---------------------------------------------------------------------------
seq 100000 >seq.txt
run --stdin seq.txt "$FANOUT" --pipe -k --block 1K wc -c
block_sizes "$OUT_FILE" >sizes.txt
assert_eq "--block 1K: the blocks hold every byte" "$(wc -c <seq.txt)" "$(awk '{ s += $1 } END { print s }' sizes.txt)"
assert_eq "--block 1K: no block is larger than 1024 bytes" "" "$(awk '$1 > 1024' sizes.txt)"
# Lines are at most 7 bytes: a block is cut at the last boundary at or before 1024.
assert_eq "--block 1K: every block but the last is filled to within one record" "" \
    "$(sed '$d' sizes.txt | awk '$1 < 1024 - 7')"
run --stdin seq.txt "$FANOUT" --pipe -k --block-size 1Ki wc -c
assert_eq "--block-size 1Ki is --block 1K" "$(cat sizes.txt)" "$(block_sizes "$OUT_FILE")"
run --stdin seq.txt "$FANOUT" --pipe -k --block 1024 wc -c
assert_eq "--block 1024 is --block 1K" "$(cat sizes.txt)" "$(block_sizes "$OUT_FILE")"

head -c 4000 /dev/zero >zeros.bin
run --stdin zeros.bin "$FANOUT" --pipe -k --recend '' --block 1.5K wc -c
assert_eq "--block 1.5K: a decimal size (1536 bytes)" $'1536\n1536\n928' "$(block_sizes "$OUT_FILE")"
head -c 3500000 /dev/zero >zeros3.bin
run --stdin zeros3.bin "$FANOUT" --pipe -k --recend '' wc -c
assert_eq "the default block is 1M (1048576 bytes)" $'1048576\n1048576\n1048576\n354272' "$(block_sizes "$OUT_FILE")"
run --stdin zeros3.bin "$FANOUT" --pipe -k --recend '' --block 2M wc -c
assert_eq "--block 2M" $'2097152\n1402848' "$(block_sizes "$OUT_FILE")"
run --stdin zeros3.bin "$FANOUT" --pipe -k --recend '' --block 0.001G wc -c
assert_eq "--block 0.001G (1073741.824 bytes, rounded down)" "$(printf '%s\n' 1073741 1073741 1073741 $((3500000 - 3 * 1073741)))" \
    "$(block_sizes "$OUT_FILE")"
run --input $'abc\n' "$FANOUT" --pipe --block 1T wc -c
assert_status "--block 1T (a size larger than memory): exit status" 0
assert_eq "--block 1T: the input is one block" 4 "$(block_sizes "$OUT_FILE")"
assert_eq "--block 1T: nothing on stderr" "" "$ERR"

# --- records larger than the block ---------------------------------------------------------
{
    seq 1000
    head -c 5000 /dev/zero | tr '\0' x
    echo
    seq 1000
} >oversize.txt
run --stdin oversize.txt "$FANOUT" --pipe -k --block 1k wc -c
block_sizes "$OUT_FILE" >sizes.txt
assert_status "a record longer than the block: exit status" 0
assert_eq "a record longer than the block: exactly one block is larger than 1k" 1 "$(awk '$1 > 1024' sizes.txt | wc -l)"
assert_eq "a record longer than the block: that block is the record, whole" 5001 "$(awk '$1 > 1024' sizes.txt)"
assert_eq "a record longer than the block: every byte is in a block" "$(wc -c <oversize.txt)" \
    "$(awk '{ s += $1 } END { print s }' sizes.txt)"
run --stdin oversize.txt "$FANOUT" --pipe -k --block 1k cat
assert_file_eq "a record longer than the block: the blocks in order are the input" oversize.txt "$OUT_FILE"
run --stdin oversize.txt "$FANOUT" --pipe -k --block 1k 'grep -c x || true'
assert_eq "a record longer than the block: it is in one block only" 1 "$(grep -c '^1$' "$OUT_FILE")"
printf 'aaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbb\nc\n' >long_records.txt
run --stdin long_records.txt "$FANOUT" --pipe -k --block 5 wc -c
assert_eq "every record longer than the block: one block per record" $'11\n21\n2' "$(block_sizes "$OUT_FILE")"

# --- -k keeps block order; wc -l adds up ------------------------------------------------------
# Each job prints its first line and its line count: in order, each block starts where
# the one before ended.
run --stdin seq.txt "$FANOUT" --pipe -k -j4 --block 10k "awk 'NR == 1 { f = \$0 } END { print f, NR }'"
assert_status "-k over 100000 lines: exit status" 0
assert_ge "-k over 100000 lines: many blocks" 50 "$(line_count "$OUT_FILE")"
assert_eq "-k over 100000 lines: the blocks follow each other in input order" "" \
    "$(awk 'NR > 1 && $1 != next_first { print "block " NR " starts at " $1 ", expected " next_first }
            { next_first = $1 + $2 }' "$OUT_FILE")"
run --stdin seq.txt "$FANOUT" --pipe -k -j4 --block 10k wc -l
assert_eq "--pipe -k wc -l: the counts add up to wc -l of the input" "$(wc -l <seq.txt)" \
    "$(awk '{ s += $1 } END { print s }' "$OUT_FILE")"
run --stdin seq.txt "$FANOUT" --pipe -j4 --block 10k wc -l
assert_eq "--pipe wc -l without -k: the counts add up too" 100000 "$(awk '{ s += $1 } END { print s }' "$OUT_FILE")"
gnu_same "--pipe -k -N 7 wc -l over seq 1000" thousand.txt -N 7 wc -l
# GNU parallel's K (upper case) is 1024 and k 1000, as fanout's.
gnu_same "--pipe -k --block 10k wc -c over seq 100000" seq.txt --block 10k wc -c
gnu_same "--pipe -k --block 10K wc -c over seq 100000" seq.txt --block 10K wc -c
gnu_same "--pipe -k --recend '' --block 10K wc -c over seq 100000" seq.txt --recend '' --block 10K wc -c

# --- --recend: CRLF, NUL, binary ---------------------------------------------------------------
printf 'a\r\nb\nc\r\nd\r\n' >crlf.txt
run --stdin crlf.txt "$FANOUT" --pipe -k -N 1 --recend '\r\n' od -An -c
assert_eq "--recend '\\r\\n' -N 1: a lone \\n does not end a record" \
    "$(printf '%s\n' '   a  \r  \n' '   b  \n   c  \r  \n' '   d  \r  \n')" "$OUT"
gnu_same "--recend '\\r\\n' -N 1" crlf.txt -N 1 --recend '\r\n' od -An -c
printf 'line %s\r\n' $(seq 3000) >crlf_big.txt
run --stdin crlf_big.txt "$FANOUT" --pipe -k --block 1k --recend '\r\n' 'tail -c 2 | od -An -c'
assert_eq "--recend '\\r\\n' --block 1k: every block ends with \\r\\n" "" "$(sort -u "$OUT_FILE" | grep -v '\\r  \\n')"
run --stdin crlf_big.txt "$FANOUT" --pipe -k --block 1k --recend '\r\n' cat
assert_file_eq "--recend '\\r\\n': the blocks in order are the input" crlf_big.txt "$OUT_FILE"

printf 'a\0b\0c\0' >nul.bin
run --stdin nul.bin "$FANOUT" --pipe -k -N 1 --recend '\0' wc -c
assert_eq "--recend '\\0' -N 1: NUL-terminated records" $'2\n2\n2' "$(block_sizes "$OUT_FILE")"
run --input $'a\tb\tc' "$FANOUT" --pipe -k -N 2 --recend '\t' "$SHOW"
assert_eq "--recend '\\t' -N 2" $'[a\tb\t]\n[c]' "$OUT"
run --input 'a,b,c,' "$FANOUT" --pipe -k -N 1 --recend '\x2c' "$SHOW"
assert_eq "--recend '\\x2c' (a comma, in hex)" $'[a,]\n[b,]\n[c,]' "$OUT"
# shellcheck disable=SC1003 # a literal backslash
run --input 'a\b\c' "$FANOUT" --pipe -k -N 1 --recend '\\' "$SHOW"
# shellcheck disable=SC1003 # literal backslashes
assert_eq "--recend '\\\\' (a backslash)" '[a\]'$'\n''[b\]'$'\n''[c]' "$OUT"
run --input 'aXYbXYc' "$FANOUT" --pipe -k -N 1 --recend XY "$SHOW"
assert_eq "--recend XY: a record end of several bytes" $'[aXY]\n[bXY]\n[c]' "$OUT"

# Binary data with no record separator: cut anywhere, byte for byte.
head -c 1000000 /dev/urandom >random.bin
run --stdin random.bin "$FANOUT" --pipe -k --recend '' --block 10k cat
assert_status "binary, --recend '': exit status" 0
assert_true "binary, --recend '': the blocks in order are the input, byte for byte" cmp -s random.bin "$OUT_FILE"
run --stdin random.bin "$FANOUT" --pipe -k --recend '' --block 10K wc -c
assert_eq "binary, --recend '': every block but the last is exactly 10k" "" \
    "$(block_sizes "$OUT_FILE" | sed '$d' | grep -vx 10240)"
assert_eq "binary, --recend '': the last block holds the rest" $((1000000 % 10240)) "$(block_sizes "$OUT_FILE" | tail -n 1)"
run --stdin random.bin "$FANOUT" --pipe -k -j4 --block 64k cat
assert_true "binary with the default --recend: byte for byte too" cmp -s random.bin "$OUT_FILE"

# --- -N: exactly N records -------------------------------------------------------------------
run --stdin thousand.txt "$FANOUT" --pipe -k -N 300 wc -l
assert_eq "-N 300 over 1000 records" $'300\n300\n300\n100' "$OUT"
gnu_same "-N 300 wc -l" thousand.txt -N 300 wc -l
run --stdin thousand.txt "$FANOUT" --pipe -k -N 1000 --block 10 wc -l
assert_eq "-N ignores --block" 1000 "$OUT"
run --stdin thousand.txt "$FANOUT" --pipe -k -N 1 --joblog n1.log cat
assert_eq "-N 1: one job per record" 1001 "$(line_count n1.log)"
assert_file_eq "-N 1: the blocks in order are the input" thousand.txt "$OUT_FILE"
run --input $'a\nb\nc' "$FANOUT" --pipe -k -N 2 "$SHOW"
assert_eq "-N 2: a last record without newline" $'[a b ]\n[c]' "$OUT"

# --- --header -----------------------------------------------------------------------------------
{
    echo 'name,size'
    seq 30
} >header.csv
run --stdin header.csv "$FANOUT" --pipe -k --header 1 -N 7 "$SHOW"
assert_eq "--header 1 -N 7: the header before every block" \
    "$(printf '[name,size %s]\n' '1 2 3 4 5 6 7 ' '8 9 10 11 12 13 14 ' '15 16 17 18 19 20 21 ' \
        '22 23 24 25 26 27 28 ' '29 30 ')" "$OUT"
gnu_same "--header 1 -N 7" header.csv --header 1 -N 7 "$SHOW"
gnu_same "--header 2 -N 5" header.csv --header 2 -N 5 "$SHOW"
gnu_same "--header 1 --block 20 (the header does not count)" header.csv --header 1 --block 20 "$SHOW"
run --stdin header.csv "$FANOUT" --pipe -k --header 0 -N 10 "$SHOW"
assert_eq "--header 0: no header" "[name,size 1 2 3 4 5 6 7 8 9 ]" "$(head -n 1 "$OUT_FILE")"
run --stdin header.csv "$FANOUT" --pipe -k --header 1 -N 10 --joblog header.log cat
assert_eq "--header: the joblog's Send counts the header too" \
    "$(printf '%s\n' $((10 + 21)) $((10 + 30)) $((10 + 30)))" "$(joblog_column header.log 5)"

# --- --recstart ----------------------------------------------------------------------------------
printf '>a\nAAA\n>b\nBB\n>c\nC\n>d\nDDDD\n' >seqs.fa
run --stdin seqs.fa "$FANOUT" --pipe -k -N 1 --recstart '>' "$SHOW"
assert_eq "--recstart '>' -N 1: one FASTA record per block" $'[>a AAA ]\n[>b BB ]\n[>c C ]\n[>d DDDD ]' "$OUT"
gnu_same "--recstart '>' -N 1" seqs.fa -N 1 --recstart '>' "$SHOW"
gnu_same "--recstart '>' -N 3" seqs.fa -N 3 --recstart '>' "$SHOW"
gnu_same "--recstart '>' --block 10" seqs.fa --block 10 --recstart '>' "$SHOW"
gnu_same "--recstart '>' --block 100" seqs.fa --block 100 --recstart '>' "$SHOW"
gnu_same "--recend '\\n' --recstart '>' -N 2" seqs.fa -N 2 --recend '\n' --recstart '>' "$SHOW"
# With both, a boundary is recend followed by recstart: '>' inside a line splits nothing.
printf '>a x>y\n>b\n' >inner.fa
run --stdin inner.fa "$FANOUT" --pipe -k -N 1 --recend '\n' --recstart '>' "$SHOW"
assert_eq "--recend and --recstart: only recend followed by recstart is a boundary" $'[>a x>y ]\n[>b ]' "$OUT"
for i in $(seq 2000); do printf '>r%d\nACGT\nTTGA\n' "$i"; done >big.fa
run --stdin big.fa "$FANOUT" --pipe -k --block 1k --recstart '>' 'head -c 1; echo'
assert_eq "--recstart '>' --block 1k: every block starts with '>'" ">" "$(sort -u "$OUT_FILE")"
run --stdin big.fa "$FANOUT" --pipe -k --block 1k --recstart '>' cat
assert_file_eq "--recstart '>': the blocks in order are the input" big.fa "$OUT_FILE"
# GNU parallel: "If neither --recstart nor --recend are given, then --recend defaults
# to '\n'"; with --recstart alone a record may end anywhere before the next '>'.
printf 'a>b>c' >nonl.fa
gnu_same "--recstart alone: records need not end with a newline (as GNU parallel)" nonl.fa -N 1 --recstart '>' "$SHOW"

# --- --round-robin ---------------------------------------------------------------------------------
fresh_dir round_robin
seq 100000 >input.txt
run --stdin input.txt "$FANOUT" --pipe --round-robin -j3 --block 1k --joblog rr.log 'wc -l | tr -d " "; echo "seq $FANOUT_SEQ"'
assert_status "--round-robin: exit status" 0
assert_le "--round-robin -j3: at most 3 jobs are started" 3 "$(grep -c '^seq ' "$OUT_FILE")"
assert_le "--round-robin -j3: at most 3 jobs in the joblog" 4 "$(line_count rr.log)"
assert_eq "--round-robin -j3: each job once" "" "$(grep '^seq ' "$OUT_FILE" | sort | uniq -d)"
assert_eq "--round-robin: every line reaches a job" 100000 "$(grep -v '^seq ' "$OUT_FILE" | awk '{ s += $1 } END { print s }')"
assert_eq "--round-robin: the joblog's Send adds up to the input" "$(wc -c <input.txt)" \
    "$(awk -F'\t' 'NR > 1 { s += $5 } END { print s }' rr.log)"
run --stdin input.txt "$FANOUT" --pipe --roundrobin -j2 --block 1k sort -n
assert_eq "--roundrobin is --round-robin: every line once" "$(seq 100000)" "$(sort -n "$OUT_FILE")"
run --stdin input.txt "$FANOUT" --pipe --round-robin -j2 -N 1000 --joblog rrn.log wc -l
assert_le "--round-robin -N 1000 -j2: at most 2 jobs" 3 "$(line_count rrn.log)"
assert_eq "--round-robin -N 1000: every line reaches a job" 100000 "$(awk '{ s += $1 } END { print s }' "$OUT_FILE")"
run --input $'a\nb\n' "$FANOUT" --pipe --round-robin -j4 --joblog few.log cat
assert_eq "--round-robin: one block, one job" 2 "$(line_count few.log)"
assert_eq "--round-robin: one block, its output" $'a\nb' "$OUT"
# Retries would need the blocks again: none in this mode.
run --stdin input.txt "$FANOUT" --pipe --round-robin -j2 --block 10k --retries 3 --joblog fail.log 'cat >/dev/null; exit 1'
assert_le "--round-robin --retries 3, failing jobs: no more than 2 jobs" 3 "$(line_count fail.log)"
assert_eq "--round-robin: a job is not retried" "" "$(joblog_column fail.log 1 | uniq -d)"
assert_eq "--round-robin, failing jobs: the exit status counts them" "$(($(line_count fail.log) - 1))" "$STATUS"
# --header goes to each job once: a job's stdin is one stream that starts with it (as GNU
# parallel does).
printf 'h\na\nb\nc\nd\n' >h.txt
run --stdin h.txt "$FANOUT" --pipe --round-robin -j2 -N 1 --header 1 'sleep 0.2; sort | paste -sd" "'
assert_eq "--round-robin --header 1: each job's stdin starts with the header, once" $'a c h\nb d h' "$(sort "$OUT_FILE")"
cd "$T" || exit 1

# --- jobs that exit without reading ----------------------------------------------------------------
seq 1000000 >million.txt
run --stdin million.txt "$FANOUT" --pipe -k --block 100k head -n 1
assert_status "head -n 1 jobs (exit early): exit 0" 0
assert_eq "head -n 1 jobs: no error output" "" "$ERR"
assert_ge "head -n 1 jobs: one line per block" 60 "$(line_count "$OUT_FILE")"
assert_eq "head -n 1 jobs: the first line of the first block" 1 "$(head -n 1 "$OUT_FILE")"
run --stdin million.txt "$FANOUT" --pipe -j2 true
assert_status "jobs that never read their 1M blocks: exit 0" 0
assert_eq "jobs that never read: no error output" "" "$ERR"
# A job that does not read must not hold up the others: job 1 waits for job 2's
# block to have been read, without reading its own (larger than a pipe holds).
fresh_dir not_reading
seq 200000 >input.txt
run --stdin input.txt env TICKS=$(($(scaled 10) * 20)) "$FANOUT" --pipe -j2 --block 700k \
    'if [ "$FANOUT_SEQ" = 1 ]; then
         for i in $(seq $TICKS); do [ -e marker ] && break; sleep 0.05; done
         [ -e marker ] && echo job 1 saw job 2
     else
         wc -l >/dev/null; touch marker
     fi'
assert_status "a job that does not read: the others still get their blocks" 0
assert_eq "a job that does not read: job 2 ran while job 1 held its block" "job 1 saw job 2" "$OUT"
cd "$T" || exit 1

# --- failures, retries -----------------------------------------------------------------------------
run --input $'x\n' "$FANOUT" --pipe sh -c 'cat >/dev/null; exit 3'
assert_status "a failing --pipe job: exit status 1" 1
assert_contains "a failing --pipe job: the summary" "fanout: 1 of 1 jobs failed:" "$ERR"
assert_contains "a failing --pipe job: its line" "job 1 (exit 3)" "$ERR"
run --stdin ten.txt "$FANOUT" --pipe -N 3 'cat >/dev/null; exit 3'
assert_status "four failing blocks: exit status 4" 4
run --stdin ten.txt "$FANOUT" --pipe -N 3 'cat >/dev/null; [ $FANOUT_SEQ != 2 ]'
assert_status "one failing block among four: exit status 1" 1
fresh_dir retries
# Block 2 fails on its first attempt; the retry gets the same block again.
run --stdin "$T/ten.txt" "$FANOUT" --pipe -k -N 3 --retries 2 \
    'b=$(paste -sd+); echo "$b"; [ $FANOUT_SEQ != 2 ] || [ -e tried ] || { touch tried; exit 1; }'
assert_status "--pipe --retries: the retried block succeeds" 0
assert_eq "--pipe --retries: the retry is fed the same block" $'1+2+3\n4+5+6\n7+8+9\n10' "$OUT"
cd "$T" || exit 1
run --stdin ten.txt "$FANOUT" --pipe -N 5 --timeout 0.3 --joblog timeout.log 'cat >/dev/null; sleep 5'
assert_status "--pipe --timeout: both blocks time out" 2
assert_eq "--pipe --timeout: Exitval -1" $'-1\n-1' "$(joblog_column timeout.log 7)"

# --- the joblog's Send and --results' stdin_bytes -----------------------------------------------------
run --stdin seq.txt "$FANOUT" --pipe --block 10k --tagstring '{#}' --joblog send.log --results send.jsonl wc -c
sort -n "$OUT_FILE" | awk -F'\t' '{ print $2 + 0 }' >counted.txt
assert_eq "joblog Send: the bytes of each block" "$(cat counted.txt)" "$(joblog_column send.log 5)"
assert_eq "joblog Send: the blocks add up to the input" "$(wc -c <seq.txt)" "$(awk '{ s += $1 } END { print s }' counted.txt)"
assert_eq "joblog Receive: what the job wrote" "" "$(awk -F'\t' 'NR > 1 && $6 < 2' send.log)"
if have jq; then
    assert_eq "--results stdin_bytes: the bytes of each block" "$(cat counted.txt)" \
        "$(jq -r '"\(.seq) \(.stdin_bytes)"' send.jsonl | sort -n | cut -d' ' -f2)"
else
    echo "SKIP: jq is not installed: --results stdin_bytes not checked"
fi
run --stdin ten.txt "$FANOUT" --pipe --joblog cmd.log 'cat | wc -l'
assert_eq "joblog Command: a shell command as given (no trailing space)" "cat | wc -l" "$(joblog_column cmd.log 9)"
run --stdin ten.txt "$FANOUT" --pipe --dry-run 'cat | wc -l'
assert_eq "--dry-run: a shell command as given (no trailing space)" "cat | wc -l" "$(cat "$OUT_FILE")"

# --- -a FILE, :::: FILE as the stream -------------------------------------------------------------
run --input $'not\nthis\n' "$FANOUT" --pipe -k -N 4 -a ten.txt wc -l
assert_status "-a FILE: exit status" 0
assert_eq "-a FILE is the stream (stdin is not read)" $'4\n4\n2' "$OUT"
run --input $'not\nthis\n' "$FANOUT" --pipe -k -N 4 wc -l :::: ten.txt
assert_eq ":::: FILE is the stream" $'4\n4\n2' "$OUT"
run --stdin ten.txt "$FANOUT" --pipe -k -N 4 -a - wc -l
assert_eq "-a - is stdin" $'4\n4\n2' "$OUT"
run --stdin random.bin "$FANOUT" --pipe -k --recend '' --block 100k -a random.bin cat
assert_true "-a FILE with binary data: byte for byte" cmp -s random.bin "$OUT_FILE"

# --- 1 GiB through --pipe -k cat, byte for byte ---------------------------------------------------------
# Streamed, never stored: the same deterministic lines generated twice. The sanitizer
# build is several times slower: 64 MiB there.
if [ "${FANOUT_SANITIZED:-0}" = 1 ]; then
    BIG=$((64 * 1024 * 1024))
    echo "NOTE: sanitizer build: $BIG bytes instead of 1 GiB"
else
    BIG=$((1024 * 1024 * 1024))
fi
generate() {
    seq 200000000 | head -c "$BIG"
}
generate | timeout -k 5 "$(scaled 240)" "$FANOUT" --pipe -k --joblog big.log cat 2>big.err | cmp - <(generate) >big.cmp 2>&1
statuses=("${PIPESTATUS[@]}")
assert_eq "$BIG bytes through --pipe -k cat: exit status" 0 "${statuses[1]}"
assert_eq "$BIG bytes through --pipe -k cat: identical, byte for byte" "0 " "${statuses[2]} $(head -c 500 big.cmp)"
assert_eq "$BIG bytes through --pipe -k cat: nothing on stderr" "" "$(head -c 500 big.err)"
assert_eq "$BIG bytes: the joblog's Send adds up" "$BIG" "$(awk -F'\t' 'NR > 1 { s += $5 } END { print s }' big.log)"
assert_ge "$BIG bytes: in blocks of about 1M" $((BIG / 1048576)) "$(($(line_count big.log) - 1))"
assert_le "$BIG bytes: in blocks of about 1M (not smaller)" $((BIG / 1048576 + 1)) "$(($(line_count big.log) - 1))"

# --- memory: about jobs x block size, whatever the input's size ----------------------------------------
# 256 MiB in 4 MiB blocks to two slow jobs: fanout holds a block per running job and
# the one it is cutting, not the input (VmHWM, the peak, sampled until it exits).
mkfifo mem.fifo
yes 0123456789abcdef | head -c $((256 << 20)) >mem.fifo &
"$FANOUT" --pipe -j2 --block 4M 'sleep 0.01; cat >/dev/null' <mem.fifo >mem.out 2>&1 &
pid=$!
kill_at_exit "$pid"
peak=0
while kill -0 "$pid" 2>/dev/null; do
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    sleep 0.05
done
wait "$pid"
assert_eq "256 MiB to two jobs in 4 MiB blocks: exit 0, nothing printed" "0 " "$? $(head -c 300 mem.out)"
if [ "${FANOUT_SANITIZED:-0}" = 1 ]; then
    echo "NOTE: sanitizer build: peak RSS $peak KiB, not checked (ASan's own memory)"
else
    echo "NOTE: --pipe -j2 --block 4M over 256 MiB: peak RSS $peak KiB"
    assert_le "256 MiB to two jobs in 4 MiB blocks: peak RSS within (2 jobs + 2) x 4 MiB + 8 MiB" $((6 * 4096 + 8192)) "$peak"
fi

# --- long records: work linear in the input, signals handled while one is read -------------------
# /dev/zero has no newline: its bytes are one record, longer than any block, that grows
# read by read. A reader that rescanned its buffer after every read did work quadratic
# in the record's length, and work proportional to the block size per read (160 MB
# with --block 10M took a minute), and heard no signal before the record ended. Work,
# not speed, is checked, as ratios of CPU times on this machine: 4 times the input must
# cost about 4 times the CPU (quadratic work costs 16 times), and a record longer than
# the block must cost about what it costs within a block, where no record end is looked
# for until the input ends.
# The deadlines only guard against hangs.
fresh_dir long_records
scale=${FANOUT_TEST_SCALE:-1}
case ${FANOUT_SANITIZED:-0} in 1 | ON | TRUE) scale=$((scale * 3)) ;; esac
# zeros_cpu NAME MIB FANOUT-ARGS...: fanout --pipe FANOUT-ARGS wc -c over MIB MiB of zeros:
# its CPU seconds (user + sys, its jobs included) in NAME.cpu, its output in NAME.out,
# its stderr in NAME.err.
zeros_cpu() {
    local name=$1 mib=$2 TIMEFORMAT='%U %S'
    shift 2
    head -c "${mib}M" /dev/zero | {
        time timeout -k 5 $((240 * scale)) "$FANOUT" --pipe "$@" wc -c >"$name.out" 2>"$name.err"
    } 2>"$name.time"
    awk '{ print $1 + $2 }' "$name.time" >"$name.cpu"
}
# cpu_below DESC NAME FACTOR BASE: NAME's CPU time is below FACTOR times BASE's (plus
# 0.05 s for the clock's granularity).
cpu_below() {
    local big small
    big=$(cat "$2.cpu") small=$(cat "$4.cpu")
    assert_true "$1 ($big s CPU, against $small s)" \
        awk -v big="$big" -v small="$small" -v factor="$3" 'BEGIN { exit !(big < factor * small + 0.05) }'
}
zeros_cpu small 50 --block 1k
zeros_cpu big 200 --block 1k
zeros_cpu block 200 --block 10M
zeros_cpu whole 200 --block 1G
assert_eq "50 MiB of zeros, one record: counted whole, nothing on stderr" "52428800 " \
    "$(block_sizes small.out) $(head -c 300 small.err)"
assert_eq "200 MiB of zeros, one record: counted whole, nothing on stderr" "209715200 " \
    "$(block_sizes big.out) $(head -c 300 big.err)"
assert_eq "200 MiB of zeros, one record, --block 10M: counted whole, nothing on stderr" "209715200 " \
    "$(block_sizes block.out) $(head -c 300 block.err)"
assert_eq "200 MiB of zeros, one record, --block 1G: counted whole, nothing on stderr" "209715200 " \
    "$(block_sizes whole.out) $(head -c 300 whole.err)"
cpu_below "a record 4 times as long costs under 8 times the CPU (linear: 4, quadratic: 16)" big 8 small
cpu_below "a record of 200 MiB costs under 4 times with --block 10M what it costs with --block 1G" block 4 whole

# Records of 30 MiB and more between newlines, each longer than the 10M block: each is one
# block, cut exactly at its newline, whatever the reads brought.
head -c 30M /dev/zero | tr '\0' x >record.txt
for i in 1 2 3 4 5; do
    cat record.txt
    head -c "$i" record.txt
    echo
done | timeout -k 5 $((240 * scale)) "$FANOUT" --pipe -k --block 10M wc -c >long.out 2>long.err
assert_eq "five records of 30 MiB + i bytes: five blocks, each one record" \
    "$(for i in 1 2 3 4 5; do echo $((31457280 + i + 1)); done)" "$(block_sizes long.out)"
assert_eq "five records of 30 MiB: nothing on stderr" "" "$(head -c 300 long.err)"

# SIGTERM while a 300 MiB record is read: fanout stops its job (started on the short
# record before), and dies by SIGTERM at once, not once the record is in. The input is
# a file (sparse, all zeros after "a\n"): every read finds data, so only the reader can
# make room for the event loop.
MARK=$$$RANDOM
job_leftover() {
    pgrep -f "^sleep [0-9]+\.$MARK" | xargs
}
printf 'a\n' >long.bin
truncate -s 300M long.bin
"$FANOUT" --pipe --block 10M "cat >/dev/null; sleep 60.$MARK" <long.bin >term.out 2>term.err &
fanout_pid=$!
kill_at_exit "$fanout_pid"
# Reading the long record: its buffer is past the 10M block.
rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$fanout_pid/status" 2>/dev/null
}
past_block() {
    [ "$(rss_kib)" -gt 30000 ] 2>/dev/null
}
job_runs() {
    [ -n "$(job_leftover)" ]
}
no_job_left() {
    [ -z "$(job_leftover)" ]
}
assert_true "SIGTERM during a long record: the record is being read" wait_until $((30 * scale)) past_block
assert_true "SIGTERM during a long record: meanwhile the first block's job runs (the loop is not held)" \
    wait_until $((30 * scale)) job_runs
kill -TERM "$fanout_pid"
exited() {
    ! kill -0 "$fanout_pid" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$fanout_pid/stat" 2>/dev/null)" == Z ]
}
assert_true "SIGTERM during a long record: fanout ends within $((10 * scale)) s" wait_until $((10 * scale)) exited
if exited; then
    wait "$fanout_pid"
    assert_eq "SIGTERM during a long record: fanout dies by SIGTERM (143)" 143 "$?"
    assert_true "SIGTERM during a long record: no job process is left" wait_until 5 no_job_left
else
    kill -KILL "$fanout_pid" 2>/dev/null
fi
for pid in $(job_leftover); do
    kill -KILL "$pid" 2>/dev/null
done
cd "$T" || exit 1

# --- usage errors: 255, one line, no job started ------------------------------------------------------
usage_error() { # DESC NEEDLE FANOUT-ARGS... (a job that runs creates ./ran)
    local desc=$1 needle=$2
    shift 2
    fresh_dir "usage$((RUN_N + 1))"
    run --input $'a\nb\n' "$FANOUT" "$@"
    assert_usage_error "$desc" "$needle"
    assert_no_file "$desc: no job started" ran
    cd "$T" || exit 1
}
printf 'a\n' >"$T/one.txt"
usage_error "--block without --pipe" "--block requires --pipe" --block 1k touch ran
usage_error "--block-size without --pipe" "--block requires --pipe" --block-size 1k touch ran
usage_error "--recend without --pipe" "--recend requires --pipe" --recend x touch ran
usage_error "--recstart without --pipe" "--recstart requires --pipe" --recstart x touch ran
usage_error "--round-robin without --pipe" "--round-robin requires --pipe" --round-robin touch ran
usage_error "--roundrobin without --pipe" "--round-robin requires --pipe" --roundrobin touch ran
usage_error "--pipe without a command" "--pipe" --pipe
usage_error "--pipe with :::" "--pipe" --pipe touch ran ::: a
usage_error "--pipe with two -a files" "--pipe" --pipe -a "$T/one.txt" -a "$T/one.txt" touch ran
usage_error "--pipe with two :::: files" "--pipe" --pipe touch ran :::: "$T/one.txt" "$T/one.txt"
usage_error "--pipe with -a and ::::" "--pipe" --pipe -a "$T/one.txt" touch ran :::: "$T/one.txt"
usage_error "--pipe with -a and :::" "--pipe" --pipe -a "$T/one.txt" touch ran ::: a
usage_error "--pipe with -n" "-n" --pipe -n 2 touch ran
usage_error "--pipe with -X" "-X" --pipe -X touch ran
usage_error "--pipe with -N 0" "-N" --pipe -N 0 touch ran
usage_error "--block 0" "--block" --pipe --block 0 touch ran
usage_error "--block abc" "--block" --pipe --block abc touch ran
usage_error "--block 1x" "--block" --pipe --block 1x touch ran
usage_error "--block -1" "--block" --pipe --block -1 touch ran
usage_error "--block ''" "--block" --pipe --block '' touch ran
usage_error "--block 0.1 (less than a byte)" "--block" --pipe --block 0.1 touch ran
usage_error "--recend '\\q'" "unknown escape" --pipe --recend '\q' touch ran
# shellcheck disable=SC1003 # a literal backslash
usage_error "--recend 'a\\'" "ends with a lone '\\'" --pipe --recend 'a\' touch ran
usage_error "--recend '\\x4'" "'\\x' needs two hex digits" --pipe --recend '\x4' touch ran
usage_error "--recend '\\xzz'" "'\\x' needs two hex digits" --pipe --recend '\xzz' touch ran
usage_error "--recstart '\\q'" "unknown escape" --pipe --recstart '\q' touch ran
usage_error "--header x" "--header" --pipe --header x touch ran
usage_error "--header -1" "--header" --pipe --header -1 touch ran
usage_error "--pipe with --tasks" "--tasks" --pipe --tasks "$T/one.txt" touch ran

end_of_tests
