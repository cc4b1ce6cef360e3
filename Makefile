# qes: the two set-up commands are `make run` and `make test` (see README).
GO ?= go
DATA ?= ./var
LISTEN ?= 127.0.0.1:8080

.PHONY: run test unit fuzz bench lint build clean

## run: install SoftHSM2 if missing, then serve with the embedded defaults
run:
	@scripts/deps.sh run
	$(GO) run ./cmd/qesd --data $(DATA) --listen $(LISTEN)

## test: everything CI runs: lint, all tests (real SoftHSM2, bbolt, HTTP, validators), brief fuzzing
test: lint
	@scripts/deps.sh test
	$(GO) test -count=1 -timeout 20m ./...
	FUZZTIME=$${FUZZTIME:-5s} scripts/fuzz-smoke.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

## bench: the performance figures (signHash over HTTP vs raw HSM, authorize latency, ...)
bench:
	@scripts/deps.sh test
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./...

build:
	$(GO) build -o bin/ ./cmd/...

clean:
	rm -rf bin
