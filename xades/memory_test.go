//go:build !race

// The race detector's instrumentation allocates on its own, so this file
// is left out under -race.

package xades_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/heapprobe"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/xades"
)

// TestPrepareMemoryBound measures Prepare on the largest document it
// takes (MaxElements elements): the tree and the canonical form stay
// within a bound proportional to the elements, and a document over the
// limit is refused before any tree is built.
func TestPrepareMemoryBound(t *testing.T) {
	chain, _ := pki(t, testpki.P256)
	line := "<DettaglioLinee><NumeroLinea>1</NumeroLinea><Descrizione>Consulenza</Descrizione><PrezzoTotale>100.00</PrezzoTotale></DettaglioLinee>"
	perLine := 4
	body := strings.Repeat(line, xades.MaxElements/perLine-1)
	largest := []byte("<p:F xmlns:p=\"urn:p\">" + body + "</p:F>")
	var err error
	peak, alloc := heapprobe.Measure(func() { _, err = xades.Prepare(context.Background(), chain, largest, xades.Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d elements, %d MB of XML: peak heap growth %d MB, %d MB allocated", xades.MaxElements, len(largest)>>20, peak>>20, alloc>>20)
	// Measured: a 41 MB peak, 93 MB allocated, nearly all of it the
	// parse and the tree (with goxmldsig's canonicaliser over a copy of
	// the tree: 75 MB and 167 MB).
	if limit := uint64(64) << 20; peak > limit {
		t.Errorf("Prepare of %d elements grew the heap by %d MB, over %d MB", xades.MaxElements, peak>>20, limit>>20)
	}
	over := []byte("<a>" + strings.Repeat("<b/>", xades.MaxElements) + "</a>")
	peak, _ = heapprobe.Measure(func() { _, err = xades.Prepare(context.Background(), chain, over, xades.Options{}) })
	if err == nil {
		t.Fatal("a document over MaxElements was taken")
	}
	if peak > 16<<20 {
		t.Errorf("refusing a document over MaxElements grew the heap by %d MB", peak>>20)
	}
}

// TestC14NMemoryBound: the canonical form of a 1 MB invoice is streamed,
// so canonicalising it costs a buffer and namespace stacks as deep as the
// document, not a copy of the tree (goxmldsig's canonicaliser over a copy
// allocated about 40 MB here); and signing it costs little more than the
// parsed tree.
func TestC14NMemoryBound(t *testing.T) {
	invoice := testutil.FatturaPALike(t, 1<<20)
	tree, err := xades.ParseDocument(invoice)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	peak, alloc := heapprobe.Measure(func() {
		err = xades.WriteDocumentNode(h, tree, xades.WriteExcC14N)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("canonicalising %d KB of invoice: peak heap growth %d KB, %d KB allocated", len(invoice)>>10, peak>>10, alloc>>10)
	// Measured: 5 KB (the write buffer), no peak to speak of.
	if limit := uint64(64 << 10); alloc > limit {
		t.Errorf("canonicalising a %d KB invoice allocated %d KB, over %d KB", len(invoice)>>10, alloc>>10, limit>>10)
	}

	chain, key := pki(t, testpki.P256)
	ctx := context.Background()
	peak, alloc = heapprobe.Measure(func() {
		var p *xades.Prepared
		if p, err = xades.Prepare(ctx, chain, invoice, xades.Options{}); err != nil {
			return
		}
		var sig []byte
		if sig, err = key.Sign(rand.Reader, p.Digest(), crypto.SHA256); err != nil {
			return
		}
		_, err = p.Finish(ctx, sig)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("signing %d KB of invoice: peak heap growth %d KB, %d KB allocated", len(invoice)>>10, peak>>10, alloc>>10)
	// Measured: 14 MB allocated, an 8 to 10 MB peak (goxmldsig's
	// canonicaliser: 41 MB and 17 MB), nearly all of it the parse and the
	// tree. The allocation is exact and tells the two apart; the sampled
	// peak depends on when the collector runs, so its bound leaves room.
	if limit := uint64(20 << 20); alloc > limit {
		t.Errorf("signing a %d KB invoice allocated %d MB, over %d MB", len(invoice)>>10, alloc>>20, limit>>20)
	}
	if limit := uint64(14 << 20); peak > limit {
		t.Errorf("signing a %d KB invoice grew the heap by %d MB, over %d MB", len(invoice)>>10, peak>>20, limit>>20)
	}
}
