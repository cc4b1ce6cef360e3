#!/usr/bin/env bash
# The packages whose tests run a qes server (testutil.StartServer): the ones
# that QES_STORAGE and QES_AUDIT move to another back end. make test runs them
# again on PostgreSQL; a new package that starts a server joins by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*_test.go' | xargs grep -l 'testutil\.StartServer' | xargs -n1 dirname | sort -u | sed 's|^|./|'
