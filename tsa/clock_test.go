package tsa

import (
	"context"
	"crypto"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
)

func TestJudgeKernelClock(t *testing.T) {
	tests := []struct {
		name  string
		st    kernelClock
		limit time.Duration
		ok    bool
	}{
		{"synchronised, small error", kernelClock{state: 0, maxError: 20 * time.Millisecond}, time.Second, true},
		{"TIME_ERROR", kernelClock{state: timeError}, time.Second, false},
		{"STA_UNSYNC", kernelClock{state: 0, unsync: true}, time.Second, false},
		{"error above the accuracy", kernelClock{state: 0, maxError: 2 * time.Second}, time.Second, false},
		{"leap second pending is fine", kernelClock{state: 1, maxError: time.Millisecond}, time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := judgeKernelClock(tc.st, tc.limit)
			if (err == nil) != tc.ok {
				t.Fatalf("judge = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrClockUntrusted) {
				t.Fatalf("refusal does not wrap ErrClockUntrusted: %v", err)
			}
		})
	}
}

// TestKernelClockReadsThisMachine: KernelClock's verdict is the judgement
// of what adjtimex reports here, whichever way this machine's clock is run.
func TestKernelClockReadsThisMachine(t *testing.T) {
	st, err := readKernelClock()
	if err != nil {
		t.Fatalf("adjtimex: %v", err)
	}
	want := judgeKernelClock(st, time.Second)
	got := KernelClock{MaxError: time.Second}.ClockTrusted(context.Background())
	if (got == nil) != (want == nil) {
		t.Fatalf("KernelClock = %v, judgement of %+v = %v", got, st, want)
	}
	t.Logf("this machine's clock: %+v -> %v", st, got)
}

type refusingClock struct{}

func (refusingClock) ClockTrusted(context.Context) error {
	return errors.Join(ErrClockUntrusted, errors.New("test clock"))
}

// TestUntrustedClockIssuesNothing: with the clock untrusted the RFC 3161
// transport answers timeNotAvailable, Timestamp refuses with Unavailable,
// and nothing reaches the token log.
func TestUntrustedClockIssuesNothing(t *testing.T) {
	var logged []Issued
	tsa := newTestTSA(t, newTestPKI(t, "P-256"), func(c *Config) {
		c.Clock = refusingClock{}
		c.Record = func(_ context.Context, i Issued) error { logged = append(logged, i); return nil }
	})
	der, err := tsa.Respond(context.Background(), "addr:192.0.2.1", validQuery().encode(t))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ParseResponse(der)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != statusRejection || !slices.Equal(resp.Failure, []FailureInfo{TimeNotAvailable}) || resp.Token != nil {
		t.Errorf("response: status %d, failure %v, token %v; want a timeNotAvailable rejection", resp.Status, resp.Failure, resp.Token != nil)
	}
	if _, err := tsa.Timestamp(context.Background(), "csc:h1", crypto.SHA256, sum256("x"), nil); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Timestamp with an untrusted clock: %v, want Unavailable", err)
	}
	if len(logged) != 0 {
		t.Errorf("tokens were logged: %+v", logged)
	}
}

// TestEveryTokenIsLogged: each token's serial, time, hash and requester
// reach the log, and a token the log cannot record is withheld.
func TestEveryTokenIsLogged(t *testing.T) {
	var logged []Issued
	var fail error
	tsa := newTestTSA(t, newTestPKI(t, "P-256"), func(c *Config) {
		c.Record = func(_ context.Context, i Issued) error {
			if fail != nil {
				return fail
			}
			logged = append(logged, i)
			return nil
		}
	})
	der, err := tsa.Respond(context.Background(), "addr:192.0.2.7", validQuery().encode(t))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ParseResponse(der)
	if err != nil || resp.Token == nil {
		t.Fatalf("response: %v %+v", err, resp)
	}
	info, err := ParseToken(resp.Token)
	if err != nil {
		t.Fatal(err)
	}
	token, err := tsa.Timestamp(context.Background(), "csc:h1/app", crypto.SHA384, make([]byte, 48), nil)
	if err != nil {
		t.Fatal(err)
	}
	info2, err := ParseToken(token)
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) != 2 {
		t.Fatalf("logged %d tokens, want 2", len(logged))
	}
	for i, want := range []struct {
		info      *Info
		hash      crypto.Hash
		requester string
	}{{info, crypto.SHA256, "addr:192.0.2.7"}, {info2, crypto.SHA384, "csc:h1/app"}} {
		got := logged[i]
		if got.Serial.Cmp(want.info.Serial) != 0 || !got.GenTime.Equal(want.info.GenTime) || got.Hash != want.hash || got.Requester != want.requester {
			t.Errorf("log entry %d = %+v, want serial %v, time %v, %v, %q", i, got, want.info.Serial, want.info.GenTime, want.hash, want.requester)
		}
	}

	fail = errors.New("disk full")
	if der, err := tsa.Respond(context.Background(), "addr:192.0.2.7", validQuery().encode(t)); err == nil {
		t.Error("a token the log refused was issued")
	} else if resp, perr := ParseResponse(der); perr != nil || resp.Token != nil || !slices.Equal(resp.Failure, []FailureInfo{SystemFailure}) {
		t.Errorf("unlogged token: %+v %v, want a systemFailure response", resp, perr)
	}
	if _, err := tsa.Timestamp(context.Background(), "csc:h1", crypto.SHA256, sum256("y"), nil); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Timestamp with a failing log: %v, want Unavailable", err)
	}
}
