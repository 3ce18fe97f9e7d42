#!/usr/bin/env bash
# Runs clang-tidy, with the checks of .clang-tidy, on every source file of src/ (and
# through them on src/'s headers); exits 1 when it finds anything.
#   scripts/lint.sh [-j JOBS] [BUILD_DIR]   (default: 2 jobs, build/)
# It reads BUILD_DIR/compile_commands.json, configuring BUILD_DIR first when there is
# none; nothing needs to be built. About 2 minutes with 2 jobs.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=2
if [ "${1:-}" == -j ]; then
    jobs=$2
    shift 2
fi
build_dir=${1:-build}

if ! command -v clang-tidy >/dev/null; then
    echo "lint: clang-tidy is not installed (scripts/dev.sh installs it)" >&2
    exit 2
fi
if [ ! -f "$build_dir/compile_commands.json" ]; then
    cmake -S . -B "$build_dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi

# Rules the include paths cannot enforce (a system call needs no header of ours): only
# output/ writes to our stdout and stderr (cli/ prints --help, --version and the one
# error line of main), and only process/ starts processes.
layer_rule() { # LAYERS_ALLOWED REGEX WHAT
    local found
    found=$(grep -rnE "$2" src --include='*.cpp' --include='*.hpp' | grep -vE "^src/($1)/" | grep -vE '^[^:]*:[0-9]+:\s*//' || true)
    if [ -n "$found" ]; then
        echo "$found" >&2
        echo "lint: $3" >&2
        exit 1
    fi
}
layer_rule 'output|cli' 'std::(cout|cerr|clog)|write_all\((STDOUT|STDERR)_FILENO|::write\((1|2|STDOUT_FILENO|STDERR_FILENO),' \
    "only output/ (and cli/) may write to our stdout and stderr"
layer_rule 'process' '\b(vfork|fork|execve|execvp|posix_spawnp?)\(|boost/process' "only process/ may start processes"

# Every finding is an error, so that clang-tidy's exit status says whether there was one.
# One file per clang-tidy: a finding names its file, and xargs fails when any run does.
# Findings go to stdout; stderr mostly counts the warnings of system headers it hides,
# so it is shown only when something failed.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if find src -name '*.cpp' -print0 | sort -z |
    xargs -0 -n 1 -P "$jobs" clang-tidy -p "$build_dir" --quiet --warnings-as-errors='*' 2>"$errors"; then
    echo "lint: clang-tidy found nothing"
else
    grep -v 'warnings\? generated\.$' "$errors" >&2 || true
    echo "lint: clang-tidy found the problems above" >&2
    exit 1
fi
