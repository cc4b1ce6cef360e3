#!/usr/bin/env bash
# Runs every Go fuzz target briefly (FUZZTIME, default 5s), so that CI
# exercises the fuzzers' generated inputs and not only their seed corpora.
set -euo pipefail
fuzztime=${FUZZTIME:-5s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz $pkg $target ($fuzztime)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" >/tmp/qes-fuzz.log 2>&1 || { cat /tmp/qes-fuzz.log; exit 1; }
  done
done
