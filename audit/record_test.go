package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
)

type failingAppender struct{ err error }

func (f failingAppender) Append(context.Context, audit.Event) (uint64, error) { return 0, f.err }

// Require refuses the action (Unavailable) and logs when the log cannot
// take the event; BestEffort only logs. Neither logs a working append.
func TestRequireAndBestEffort(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantKind errs.Kind
	}{
		{"log works", nil, 0},
		{"disk full", errors.New("no space left on device"), errs.Unavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			a := failingAppender{tc.err}
			ev := audit.Event{Type: "auth.login", Holder: "h1"}
			err := audit.Require(context.Background(), a, log, ev)
			audit.BestEffort(context.Background(), a, log, ev)
			if tc.err == nil {
				if err != nil || logs.Len() != 0 {
					t.Fatalf("working log: err %v, logs %q", err, logs.String())
				}
				return
			}
			if errs.KindOf(err) != tc.wantKind || !errors.Is(err, tc.err) {
				t.Fatalf("Require = %v, want %v wrapping the cause", err, tc.wantKind)
			}
			if n := strings.Count(logs.String(), "audit append failed"); n != 2 || !strings.Contains(logs.String(), "type=auth.login") {
				t.Fatalf("logs %q, want two lines naming the event", logs.String())
			}
		})
	}
}
