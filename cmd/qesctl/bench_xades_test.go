package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/heapprobe"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/xades"
)

// BenchmarkXAdESVsCAdESVsPAdES compares, with a software ECDSA P-256 key,
// what qesctl sign does per file: XAdES B-B enveloped of a 1 MB
// FatturaPA-like invoice through xades.Prepare and Finish, CAdES B-B .p7m
// of the same invoice, and PAdES B-B of a 1 MB PDF, each written to
// io.Discard. Besides time and B/op it reports, from one heapprobe run per
// case, the peak growth of the heap (peak-B) and the bytes allocated
// (alloc-B) on top of the input, which the caller already holds. Run with
//
//	go test ./cmd/qesctl -run '^$' -bench XAdESVsCAdESVsPAdES -benchtime 20x
func BenchmarkXAdESVsCAdESVsPAdES(b *testing.B) {
	ctx := context.Background()
	root := testpki.NewRoot(b, pkix.Name{CommonName: "Bench Root"}, testpki.Key(b, testpki.P256))
	key := testpki.Key(b, testpki.P256)
	leaf := root.Issue(b, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Mario Rossi"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageContentCommitment}, key.Public())
	chain := []*x509.Certificate{leaf, root.Cert}
	invoice := testutil.FatturaPALike(b, 1<<20)
	pdf := testutil.MakePDF(3, 1<<20)
	write := func(parts ...[]byte) error {
		for _, p := range parts {
			if _, err := io.Discard.Write(p); err != nil {
				return err
			}
		}
		return nil
	}
	cases := []struct {
		name string
		size int
		sign func() error
	}{
		{"XAdES-enveloped", len(invoice), func() error {
			p, err := xades.Prepare(ctx, chain, invoice, xades.Options{})
			if err != nil {
				return err
			}
			sig, err := key.Sign(rand.Reader, p.Digest(), crypto.SHA256)
			if err != nil {
				return err
			}
			signed, err := p.Finish(ctx, sig)
			if err != nil {
				return err
			}
			return write(signed.Parts...)
		}},
		{"CAdES-p7m", len(invoice), func() error {
			p, err := pades.PrepareCAdESContent(ctx, chain, invoice, true, pades.CAdESOptions{})
			if err != nil {
				return err
			}
			sig, err := key.Sign(rand.Reader, p.Digest(), crypto.SHA256)
			if err != nil {
				return err
			}
			cs, _, err := p.FinishParts(ctx, sig)
			if err != nil {
				return err
			}
			return write(cs.Prefix, cs.Content, cs.Suffix)
		}},
		{"PAdES", len(pdf), func() error {
			_, err := pades.Sign(ctx, io.Discard, bytes.NewReader(pdf), int64(len(pdf)), key, chain, pades.Options{})
			return err
		}},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("1MB/%s/B-B", c.name), func(b *testing.B) {
			var err error
			peak, alloc := heapprobe.Measure(func() { err = c.sign() })
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(c.size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.sign(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak), "peak-B")
			b.ReportMetric(float64(alloc), "alloc-B")
		})
	}
}

// TestFatturaPALikeIsValid: the benchmark's invoice is what it claims, a
// schema-valid FatturaPA of at least 1 MB that signs and verifies.
func TestFatturaPALikeIsValid(t *testing.T) {
	t.Parallel()
	invoice := testutil.FatturaPALike(t, 1<<20)
	if len(invoice) < 1<<20 || len(invoice) > 1<<20+1024 {
		t.Fatalf("%d bytes, want just over 1 MiB", len(invoice))
	}
	if ok, out := testutil.FatturaPASchemaValid(t, invoice); !ok {
		t.Fatalf("the generated invoice does not validate:\n%s", out)
	}
}
