#!/usr/bin/env bash
# cmake --install puts the binary, the man page and the three completion files in the
# standard places, and the installed binary runs.
source "$(dirname "$0")/lib.sh"

stage="$T/stage"
DESTDIR="$stage" cmake --install "$FANOUT_BUILD" --prefix /usr/local > "$T/install.log" 2>&1
assert_eq "cmake --install with DESTDIR succeeds" 0 "$?"
for file in bin/fanout share/man/man1/fanout.1 share/bash-completion/completions/fanout \
            share/zsh/vendor-completions/_fanout share/fish/vendor_completions.d/fanout.fish; do
  assert_file_exists "installed: $file" "$stage/usr/local/$file"
done
run "$stage/usr/local/bin/fanout" -k echo ::: installed works
assert_eq "the installed binary runs" $'installed\nworks' "$OUT"
if command -v man > /dev/null; then
  run env MANPATH="$stage/usr/local/share/man" man -w fanout
  assert_eq "man finds the installed page" "$stage/usr/local/share/man/man1/fanout.1" "$OUT"
fi
end_of_tests
