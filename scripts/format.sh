#!/usr/bin/env bash
# The C++ sources in the checked-in .clang-format style.
#   scripts/format.sh           reformats every C++ file under src/, tests/ and bench/
#   scripts/format.sh --check   changes nothing; lists the files that are not formatted
#                               and exits 1 if there is one (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac

mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp')
if [ "$check" -eq 0 ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
# One clang-format for all files: its warnings name each file and line.
if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
  echo "scripts/format.sh: not formatted (run scripts/format.sh to fix):" >&2
  grep -o '^[^:]*:[0-9]*:[0-9]*: error' <<<"$out" | cut -d: -f1 | sort -u | sed 's/^/  /' >&2
  exit 1
fi
