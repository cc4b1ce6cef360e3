package otp_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/otp"
)

// The dev outbox writes attachments to files next to outbox.jsonl and
// names them in the line with their SHA-256, never their content.
func TestOutboxAttachments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	box := otp.NewOutbox(filepath.Join(dir, "outbox.jsonl"))
	pdf := []byte("%PDF-2.0 secret-looking content\n")
	for _, c := range []struct {
		name string
		m    otp.Message
		ok   bool
	}{
		{"attachment", otp.Message{ID: "m1", Channel: "email", To: "a@example.org", Text: "see attached",
			Attachments: []otp.Attachment{{Name: "contract-2026-01-it.pdf", MediaType: "application/pdf", Data: pdf}}}, true},
		{"ID assigned", otp.Message{Channel: "email", To: "a@example.org", Attachments: []otp.Attachment{{Name: "x.pdf", Data: pdf}}}, true},
		{"path in the name", otp.Message{ID: "m2", Attachments: []otp.Attachment{{Name: "../x.pdf", Data: pdf}}}, false},
		{"path in the ID", otp.Message{ID: "../m3", Attachments: []otp.Attachment{{Name: "x.pdf", Data: pdf}}}, false},
	} {
		if err := box.Send(context.Background(), c.m); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	raw, err := os.ReadFile(box.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("PDF")) || bytes.Contains(raw, []byte("JVBER")) {
		t.Fatalf("the outbox line carries the content:\n%s", raw)
	}
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	sum := sha256.Sum256(pdf)
	for i, line := range lines {
		var m otp.Message
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if m.ID == "" || len(m.Attachments) != 1 {
			t.Fatalf("line %d: %+v", i, m)
		}
		a := m.Attachments[0]
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(a.File)))
		if err != nil || !bytes.Equal(got, pdf) || a.SHA256 != hex.EncodeToString(sum[:]) || filepath.Dir(filepath.FromSlash(a.File)) != filepath.Join("outbox", m.ID) {
			t.Fatalf("line %d attachment %+v: %v", i, a, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pdf")); err == nil {
		t.Fatal("a name with a path escaped the outbox directory")
	}
}
