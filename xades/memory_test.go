//go:build !race

// The race detector's instrumentation allocates on its own, so this file
// is left out under -race.

package xades_test

import (
	"context"
	"strings"
	"testing"

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
	if limit := uint64(120) << 20; peak > limit {
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
