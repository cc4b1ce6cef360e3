package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/trust"
)

// qesctl csca on a data directory without a qesd: the German master list
// (../shared/testdata/emrtd) verifies and brings the Italian CSCAs.
func TestCSCACommands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("initialises a token and a CA")
	}
	vectors := filepath.Join("..", "..", "..", "shared", "testdata", "emrtd")
	if _, err := os.Stat(filepath.Join(vectors, "de.ml")); err != nil {
		t.Fatalf("public eMRTD vectors (../shared/testdata/emrtd): %v", err)
	}
	ml, anchor := filepath.Join(vectors, "de.ml"), filepath.Join(vectors, "de-csca07.cer")
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(`{"argon2id":{"time":1,"memoryKiB":64,"threads":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"no anchor", []string{"csca", "import", "--masterlist", ml}, 1, "--anchor"},
		{"list is not its own anchor", []string{"csca", "import", "--masterlist", ml, "--anchor", ml}, 1, "anchor"},
		{"bad country", []string{"csca", "import", "--masterlist", ml, "--anchor", anchor, "--country", "ITA"}, 1, "ISO 3166-1"},
		{"Italy only", []string{"csca", "import", "--masterlist", ml, "--anchor", anchor, "--country", "IT"}, 0, "IT\t9 added"},
		{"a CRL from no trusted CSCA", []string{"csca", "crl", "import", anchor}, 1, "CRL"},
		{"list", []string{"csca", "list", "--country", "it"}, 0, "Italian Country Signer CA"},
	}
	for _, c := range cases {
		r := runQesctl(t, nil, "", append([]string{"--data", data}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.out) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s\nwant exit %d and %q", c.name, r.code, r.stdout, r.stderr, c.code, c.out)
		}
	}
	r := runQesctl(t, nil, "", "--data", data, "--json", "csca", "list")
	var l trust.Listing
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil || len(l.CSCAs) != 9 || l.CSCAs[0].Country != "IT" || len(l.CSCAs[0].DER) != 0 {
		t.Fatalf("csca list --json = %.300s (%v)", r.stdout, err)
	}
}
