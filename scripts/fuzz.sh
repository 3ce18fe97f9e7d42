#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang in build-fuzz/ and fuzzes each
# for a while, two at a time, on a scratch copy of its seed corpus:
#   scripts/fuzz.sh [-j JOBS] [SECONDS_PER_TARGET] [TARGET...]   (default: 60 s, every target)
# -j JOBS: fuzz at most JOBS targets at once and build with JOBS jobs (default: 2 targets
# at once, a build job per core); -j 1 leaves the other cores of a shared machine alone.
# Prints each target's seconds, executions, executions per second and whether it
# crashed; exits 1 when one did. Crash inputs stay in build-fuzz/crashes/TARGET/ (rerun
# one with build-fuzz/tests/fuzz/fuzz_TARGET FILE); what the fuzzer learnt stays in
# build-fuzz/corpus/TARGET/ for the next run (delete it to start from the seeds).
# The seed corpora alone also run as tests: ctest --test-dir build-fuzz -R '^fuzz\.'
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build-fuzz
all_targets=(template records options makeflags json tasks)
max_jobs=2
build_jobs=$(nproc)
packages=(clang libclang-rt-14-dev cmake make libcli11-dev nlohmann-json3-dev libboost1.81-dev doctest-dev libpcre2-dev)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  mkdir -p "$build_dir/logs"
  echo "Building ${targets[*]/#/fuzz_} in $build_dir/ (log: $build_dir/logs/build.log)"
  if ! { CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DFANOUT_FUZZ=ON &&
         cmake --build "$build_dir" -j"$build_jobs" --target "${targets[@]/#/fuzz_}"; } >"$build_dir/logs/build.log" 2>&1; then
    tail -n 30 "$build_dir/logs/build.log" >&2
    exit 2
  fi
}

# Fuzzes one target; leaves "SECONDS EXECS EXIT_STATUS" in logs/TARGET.result.
run_target() { # run_target NAME SECONDS
  local name=$1 seconds=$2
  local corpus=$build_dir/corpus/$name crashes=$build_dir/crashes/$name logs=$build_dir/logs
  mkdir -p "$corpus" "$crashes" "$logs"
  local seed
  for seed in tests/fuzz/corpus/"$name"/*; do
    [ -e "$corpus/${seed##*/}" ] || cp "$seed" "$corpus/"
  done
  local dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  local start status=0
  start=$EPOCHREALTIME
  "$build_dir/tests/fuzz/fuzz_$name" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=25 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" >"$logs/$name.log" 2>&1 || status=$?
  local elapsed execs
  elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$name.log" | tail -n 1)
  echo "$elapsed ${execs:-0} $status" >"$logs/$name.result"
}

# Runs every target, at most max_jobs at once.
run_all() { # run_all SECONDS
  for name in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do
      wait -n || true
    done
    run_target "$name" "$1" &
  done
  wait
}

report() { # report STAMP_FILE: prints the table; fails when a target crashed
  local failed=0 elapsed execs status
  printf '%-10s %8s %12s %10s %8s\n' target seconds execs execs/s crashes
  for name in "${targets[@]}"; do
    read -r elapsed execs status <"$build_dir/logs/$name.result"
    local crashed=$((status != 0 ? 1 : 0))
    awk -v n="$name" -v s="$elapsed" -v e="$execs" -v c="$crashed" \
      'BEGIN { printf "%-10s %8.0f %12d %10.0f %8d\n", n, s, e, (s > 0 ? e / s : 0), c }'
    [ "$crashed" -eq 0 ] && continue
    failed=1
    find "$build_dir/crashes/$name" -type f -newer "$1" | sed "s/^/  $name crash input: /"
    echo "  log: $build_dir/logs/$name.log"
  done
  return "$failed"
}

if [ $# -gt 0 ] && [[ $1 == -j* ]]; then
  max_jobs=${1#-j}
  shift
  if [ -z "$max_jobs" ] && [ $# -gt 0 ]; then
    max_jobs=$1
    shift
  fi
  [[ $max_jobs =~ ^[1-9][0-9]*$ ]] || { echo "-j needs a number of jobs, at least 1" >&2; exit 2; }
  build_jobs=$max_jobs
fi
seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for name in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $name "* ]] || { echo "unknown target '$name' (${all_targets[*]})" >&2; exit 2; }
done

install_missing
build
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
echo "Fuzzing ${targets[*]} for ${seconds}s each, $max_jobs at a time (logs in $build_dir/logs/)"
run_all "$seconds"
report "$stamp"
