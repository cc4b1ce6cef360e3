#!/usr/bin/env bash
# Runs every Go fuzz target briefly, so that CI exercises the fuzzers'
# generated inputs and not only their seed corpora.
#
# The budget is a number of executions (FUZZTIME=Nx, default 1000x), never a
# duration: with a duration, Go's fuzz coordinator can fail at the deadline
# with "context deadline exceeded" although nothing was found (a race fixed
# only in Go 1.27, golang/go#75804), and on a loaded 2-core machine that
# made CI red at random. A count ends when the work is done. Minimization of
# a new input gets a count budget too, for the same reason.
set -euo pipefail
fuzztime=${FUZZTIME:-1000x}
minimizetime=${FUZZMINIMIZETIME:-100x}
for v in "$fuzztime" "$minimizetime"; do
  if ! [[ $v =~ ^[0-9]+x$ ]]; then
    echo "fuzz-smoke: budget '$v' must be an execution count such as 1000x (a duration can flake: golang/go#75804)" >&2
    exit 2
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$(go env GOCACHE)/fuzz
start=$SECONDS
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
  [ -n "$targets" ] || continue
  # One coverage-instrumented test binary per package: go test -fuzz would
  # relink it for every target, which cost more than the fuzzing itself.
  bin="$work/${pkg//\//_}.test"
  # No pipe into head: with pipefail, echo can die of SIGPIPE when head
  # exits after the first line before echo's last write (seen: make exit 141
  # on a loaded machine).
  first=${targets%%$'\n'*}
  go test -c -o "$bin" -fuzz "^${first}\$" "$pkg"
  for target in $targets; do
    t0=$SECONDS
    # As go test does: run in the package directory (testdata/fuzz holds the
    # seeds and receives a failing input), corpus cache under GOCACHE.
    (cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^${target}\$" -test.fuzztime "$fuzztime" \
      -test.fuzzminimizetime "$minimizetime" -test.fuzzcachedir "$cache/$pkg" -test.timeout 10m) >"$work/log" 2>&1 \
      || { cat "$work/log"; echo "fuzz-smoke: $pkg $target failed" >&2; exit 1; }
    echo "fuzz $pkg $target ($fuzztime): $((SECONDS - t0))s"
  done
done
echo "fuzz smoke: $((SECONDS - start))s"
