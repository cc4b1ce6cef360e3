package storage_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/storage"
)

// TestCertificateJSONWithoutHistory: a register record written before the
// status history existed decodes with none, and a record without history
// encodes as such a record did (no history field), so both back ends read
// what either version wrote.
func TestCertificateJSONWithoutHistory(t *testing.T) {
	old := `{"serial":"0a","credentialId":"c1","holderId":"h1","der":null,"notBefore":"2026-01-01T00:00:00Z",` +
		`"notAfter":"2027-01-01T00:00:00Z","status":"suspended","reason":6,"suspendedAt":"2026-02-01T00:00:00Z",` +
		`"revokedAt":"2026-02-01T00:00:00Z","changedAt":"2026-02-01T00:00:00Z"}`
	var c storage.Certificate
	if err := json.Unmarshal([]byte(old), &c); err != nil {
		t.Fatal(err)
	}
	if c.History != nil || c.HistoryTruncated || c.Status != storage.CertSuspended {
		t.Fatalf("%+v", c)
	}
	out, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "history") {
		t.Fatalf("a record without history encodes one: %s", out)
	}
	c.AddStatusChange(storage.StatusChange{At: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Status: storage.CertSuspended, Reason: 6})
	out, err = json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	var back storage.Certificate
	if err := json.Unmarshal(out, &back); err != nil || len(back.History) != 1 || back.History[0].Status != storage.CertSuspended || back.History[0].Reason != 6 {
		t.Fatalf("%v %+v", err, back.History)
	}
}
