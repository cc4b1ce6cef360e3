package verify_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/pdfcheck"
	"github.com/qesproject/qes/verify"
)

// TestVerifyOpenSSLStreamBER: openssl cms -sign -stream writes the BER an
// older Italian tool writes (indefinite lengths, the content in
// segments); verify reads it as DER, checks the signer (CAdES B-B with
// -cades), extracts the content and notes the BER encoding. A changed
// content byte still fails.
func TestVerifyOpenSSLStreamBER(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	content := bytes.Repeat([]byte("Contratto di locazione, art. 1\n"), 500)
	ber := pdfcheck.OpensslStreamSign(t, content, p.leaf, p.key, p.ca.Cert)
	if ber[1] != 0x80 {
		t.Fatalf("openssl -stream wrote a definite length: % x", ber[:4])
	}
	rep, err := verify.Verify(context.Background(), ber, nil, verify.Options{Roots: p.roots(), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid || !rep.BER || !slices.Contains(rep.Notes, verify.NoteBER) || !bytes.Equal(rep.Content, content) ||
		len(rep.Signers) != 1 || rep.Signers[0].Level != "B-B" || rep.Signers[0].TaxCode != "TINIT-RSSMRA80A01H501U" {
		t.Fatalf("%+v", rep)
	}
	if !slices.ContainsFunc(rep.Lines, func(l verify.Line) bool { return l.Text == verify.NoteBER }) {
		t.Fatalf("no BER line: %v", rep.Lines)
	}
	i := bytes.Index(ber, []byte("locazione"))
	changed := bytes.Clone(ber)
	changed[i] = 'L'
	rep, err = verify.Verify(context.Background(), changed, nil, verify.Options{Roots: p.roots()})
	if err != nil || rep.Valid || rep.Content != nil || !strings.Contains(rep.Signers[0].Problem, "changed after signing") {
		t.Fatalf("changed: %v %+v", err, rep)
	}
}
