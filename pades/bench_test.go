package pades

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/qesproject/qes/internal/testutil/heapprobe"
)

// BenchmarkSign signs generated PDFs whose size is dominated by one image
// stream, at B-B and B-LT, writing to io.Discard. B/op is what signing
// allocates on top of the input, which the caller already holds.
func BenchmarkSign(b *testing.B) {
	pki := newPKI(b, "p256")
	for _, mb := range []int{1, 50} {
		in := makePDF(pdfSpec{pages: 3, payload: mb << 20})
		for _, level := range []Level{LevelBB, LevelBLT} {
			b.Run(fmt.Sprintf("%dMB/%s", mb, level), func(b *testing.B) {
				opts := levelOpts(pki, level)
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Sign(context.Background(), io.Discard, bytes.NewReader(in), int64(len(in)), pki.signerKey, pki.chain(), opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestSignFileForRSS signs the file named by PADES_RSS_IN into PADES_RSS_OUT,
// streaming from and to disk, so peak RSS can be measured on the test binary
// with /usr/bin/time -v (see the package report). Skipped otherwise.
func TestSignFileForRSS(t *testing.T) {
	inPath, outPath := os.Getenv("PADES_RSS_IN"), os.Getenv("PADES_RSS_OUT")
	if inPath == "" || outPath == "" {
		t.Skip("set PADES_RSS_IN and PADES_RSS_OUT to measure peak RSS")
	}
	if gen := os.Getenv("PADES_RSS_GENERATE_MB"); gen != "" {
		var mb int
		fmt.Sscan(gen, &mb)
		if err := os.WriteFile(inPath, makePDF(pdfSpec{pages: 3, payload: mb << 20}), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	pki := newPKI(t, "p256")
	in, err := os.Open(inPath)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	level := LevelBB
	if l := os.Getenv("PADES_RSS_LEVEL"); l != "" {
		if level, err = ParseLevel(l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Sign(context.Background(), out, in, st.Size(), pki.signerKey, pki.chain(), levelOpts(pki, level)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkCAdESAttachedVsPAdES compares a CAdES B-B enveloping signature
// (.p7m) of a file with a PAdES B-B signature of a PDF of the same size,
// through the package API, writing to io.Discard. Besides time and B/op it
// reports, from one heapprobe run per case, the peak growth of the heap
// (peak-B) and the bytes allocated (alloc-B) on top of the input, which
// the caller already holds.
func BenchmarkCAdESAttachedVsPAdES(b *testing.B) {
	pki := newPKI(b, "p256")
	ctx := context.Background()
	for _, mb := range []int{1, 50} {
		pdf := makePDF(pdfSpec{pages: 3, payload: mb << 20})
		file := bytes.Repeat([]byte("qes p7m benchmark\n"), len(pdf)/18+1)[:len(pdf)]
		cases := []struct {
			name string
			sign func() error
		}{
			{"CAdES-attached", func() error {
				p, err := PrepareCAdESContent(ctx, pki.chain(), file, true, CAdESOptions{})
				if err != nil {
					return err
				}
				sig, err := pki.signerKey.Sign(nil, p.Digest(), p.alg.signerOpts())
				if err != nil {
					return err
				}
				parts, _, err := p.FinishParts(ctx, sig)
				if err != nil {
					return err
				}
				for _, part := range [][]byte{parts.Prefix, parts.Content, parts.Suffix} {
					if _, err := io.Discard.Write(part); err != nil {
						return err
					}
				}
				return nil
			}},
			{"PAdES", func() error {
				_, err := Sign(ctx, io.Discard, bytes.NewReader(pdf), int64(len(pdf)), pki.signerKey, pki.chain(), Options{})
				return err
			}},
		}
		for _, c := range cases {
			b.Run(fmt.Sprintf("%dMB/%s/B-B", mb, c.name), func(b *testing.B) {
				var err error
				peak, alloc := heapprobe.Measure(func() { err = c.sign() })
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(pdf)))
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
}
