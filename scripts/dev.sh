#!/usr/bin/env bash
# One entry point for people and CI: installs missing Debian packages, builds, and
#   scripts/dev.sh example   runs a real example task list
#   scripts/dev.sh test      runs the whole test suite: format and clang-tidy checks,
#                            then the tests of a normal build and of an ASan+UBSan one
#   scripts/dev.sh build     only builds (build/)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make libcli11-dev nlohmann-json3-dev libboost1.81-dev doctest-dev libpcre2-dev
          parallel libtext-csv-perl groff-base man-db procps bash-completion zsh fish
          jq libxml2-utils bsdutils tmux openssh-server openssh-client rsync clang-format clang-tidy
          gdb slurmctld slurmd slurm-client munge)

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

build() { # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DFANOUT_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

example() {
  build build
  echo "== Compress every file of a small tree, four at a time, in input order:"
  local tmp; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  for i in 1 2 3 4 5 6; do seq $((i * 20000)) > "$tmp/part $i.txt"; done
  find "$tmp" -name '*.txt' -print0 | sort -z |
    build/fanout -0 -k -j4 --tagstring '{/}' 'gzip -9 < {} > {}.gz && wc -c < {}.gz'
  echo "== A task list (each line is a command), and the exit code of the run:"
  printf '%s\n' 'echo hello from job 1' 'sleep 0.2; echo job 2 finished last' 'echo job 3' |
    build/fanout -k
  echo "fanout exit code: $?"
}

run_tests() {
  scripts/format.sh --check
  build build
  scripts/lint.sh build
  (cd build && ctest --output-on-failure -j"$(nproc)")
  build build-asan -DFANOUT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  (cd build-asan && ctest --output-on-failure -j"$(nproc)")
}

install_missing
case "${1:-}" in
  example) example ;;
  test) run_tests ;;
  build) build build ;;
  *) echo "usage: scripts/dev.sh example|test|build" >&2; exit 2 ;;
esac
