package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/testutil"
)

// TestAuditVerifyNamesTheLoss runs the qesctl binary against a live qesd
// (over its admin socket) after the newest acknowledged audit records were
// cut off the file, as a crash on a lying disk or an intruder would, and
// expects the exact missing range.
func TestAuditVerifyNamesTheLoss(t *testing.T) {
	s := testutil.StartServer(t, testutil.WithAuditInFile())
	qesctl := testutil.Binary(t, "qesctl")
	path := filepath.Join(s.DataDir, "audit.jsonl")
	ctx := context.Background()
	var last uint64
	for i := 0; i < 6; i++ {
		seq, err := s.App.Audit.Append(ctx, audit.Event{Type: "test.acknowledged"})
		if err != nil {
			t.Fatal(err)
		}
		last = seq
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	lines = lines[:len(lines)-1] // the empty tail after the last newline
	if uint64(len(lines)) != last {
		t.Fatalf("the file has %d records, the last acknowledged is %d", len(lines), last)
	}
	tests := []struct {
		cut  int
		want string
	}{
		{0, fmt.Sprintf("audit log intact: %d records", last)},
		{1, fmt.Sprintf("records %d..%d (1) were acknowledged but are missing", last, last)},
		{4, fmt.Sprintf("records %d..%d (4) were acknowledged but are missing", last-3, last)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("cut %d", tt.cut), func(t *testing.T) {
			if err := os.WriteFile(path, bytes.Join(lines[:len(lines)-tt.cut], nil), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(qesctl, "audit", "verify", "--data", s.DataDir).CombinedOutput()
			if (err == nil) != (tt.cut == 0) || !strings.Contains(string(out), tt.want) {
				t.Fatalf("qesctl audit verify: %v\n%s\nwant %q", err, out, tt.want)
			}
		})
	}
}
