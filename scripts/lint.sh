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
