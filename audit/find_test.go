package audit_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/qesproject/qes/audit"
)

func TestRecordAt(t *testing.T) {
	ctx := context.Background()
	l, path, _ := newLog(t)
	appendN(t, l, 5)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rec, ok, err := audit.RecordAt(ctx, path, 3)
	if err != nil || !ok || rec.Seq != 3 || rec.Detail["n"] != "2" {
		t.Fatalf("record 3 = %+v, %v, %v", rec, ok, err)
	}
	if _, ok, err := audit.RecordAt(ctx, path, 9); err != nil || ok {
		t.Fatalf("record 9 found (%v, %v)", ok, err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(raw, []byte("\n"))
	lines[2] = bytes.Replace(lines[2], []byte(`"n":"2"`), []byte(`"n":"7"`), 1)
	if err := os.WriteFile(path, bytes.Join(lines, []byte("\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := audit.RecordAt(ctx, path, 3); err == nil || !ok {
		t.Fatalf("an edited record was accepted (%v, %v)", ok, err)
	}
	if rec, _, err := audit.RecordAt(ctx, path, 4); err != nil || rec.Seq != 4 {
		t.Fatalf("record 4 after 3 was edited: %v", err)
	}
}
