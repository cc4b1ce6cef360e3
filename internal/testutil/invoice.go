package testutil

import (
	"bytes"
	"fmt"
	"testing"
)

// FatturaPALike is the FPR12 test invoice grown to at least size bytes
// with invoice lines (DettaglioLinee), the part of a large FatturaPA that
// grows: many small elements, as a real 1 MB invoice has, rather than one
// big text node.
func FatturaPALike(tb testing.TB, size int) []byte {
	tb.Helper()
	invoice := Fixture(tb, "xades/IT01234567890_FPR12.xml")
	at := bytes.Index(invoice, []byte("      <DatiRiepilogo>"))
	if at < 0 {
		tb.Fatal("the test invoice has no DatiRiepilogo")
	}
	var b bytes.Buffer
	b.Write(invoice[:at])
	for n := 2; b.Len()+len(invoice)-at < size; n++ {
		fmt.Fprintf(&b, "      <DettaglioLinee>\n        <NumeroLinea>%d</NumeroLinea>\n        <Descrizione>Consulenza informatica, giornata %d</Descrizione>\n"+
			"        <PrezzoUnitario>100.00</PrezzoUnitario>\n        <PrezzoTotale>100.00</PrezzoTotale>\n        <AliquotaIVA>22.00</AliquotaIVA>\n      </DettaglioLinee>\n", n, n)
	}
	b.Write(invoice[at:])
	return b.Bytes()
}
