package ca

import (
	"bytes"
	"fmt"
	"net/http"
)

// Handler serves the newest CRL of name (CRLIssuing or CRLRoot) at the
// distribution point the certificates name. Caches may keep it a minute: a
// CRL is re-issued on every status change, and relying parties must see a
// change within seconds, not at nextUpdate.
func (p *CRLPublisher) Handler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := p.Current(name)
		if c == nil {
			http.Error(w, "the CRL is not available yet", http.StatusServiceUnavailable)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/pkix-crl")
		h.Set("Cache-Control", "public, max-age=60, no-transform")
		h.Set("ETag", fmt.Sprintf(`"%s-%s"`, name, c.Number.Text(16)))
		http.ServeContent(w, r, "", c.ThisUpdate, bytes.NewReader(c.DER))
	})
}
