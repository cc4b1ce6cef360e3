# qes: the two set-up commands are `make run` and `make test` (see README).
GO ?= go
DATA ?= ./var
LISTEN ?= 127.0.0.1:8080

.PHONY: run test unit fuzz bench lint build clean

## run: install SoftHSM2 if missing, then serve with the embedded defaults
run:
	@scripts/deps.sh run
	$(GO) run ./cmd/qesd --data $(DATA) --listen $(LISTEN)

## test: everything CI runs: lint, all tests under the race detector (real SoftHSM2, bbolt, HTTP,
## validators), the packages that run a server again on PostgreSQL with the audit chain in the
## database (as several nodes run), brief fuzzing.
## Under CI=true a missing validator fails its tests instead of skipping them.
test: lint
	@scripts/deps.sh test
	$(GO) test -race -count=1 -timeout 20m ./...
	QES_STORAGE=postgres QES_AUDIT=store $(GO) test -count=1 -timeout 20m $$(scripts/server-packages.sh)
	scripts/fuzz-smoke.sh

## fuzz: every fuzz target for FUZZTIME executions (default 1000x): a count, not a
## duration, which can flake on Go's fuzz-coordinator deadline race (golang/go#75804)
fuzz:
	scripts/fuzz-smoke.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

## bench: the performance figures. The CSC benchmarks drive a real server and do a fixed
## amount of work per run (signHash over HTTP vs raw crypto11 Sign on the same token, authorize).
bench:
	@scripts/deps.sh test
	$(GO) test ./csc -run '^$$' -bench 'SignHash|Authorize' -benchtime 1x -timeout 30m
	$(GO) test ./pades ./ca ./ca/ocsp ./tsa ./audit ./internal/secret -run '^$$' -bench . -benchmem -timeout 30m

build:
	$(GO) build -o bin/ ./cmd/...

clean:
	rm -rf bin
