package ca

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// The distribution-point handler serves the current CRL over real HTTP on
// the loopback interface: 503 before the first publication, then the DER
// with the caching headers relying parties see, and 304 for a cache that
// already holds this CRL number.
func TestCRLHandler(t *testing.T) {
	f := newRegisterFixture(t)
	pub, err := NewCRLPublisher(CRLPublisherConfig{Store: f.store, Issuing: f.pki.issuer, Root: f.pki.rootIssuer,
		Lifecycle: f.svc.Lifecycle(), Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: pub.Handler(CRLIssuing), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	url := "http://" + ln.Addr().String() + "/crl/issuing.crl"
	get := func(header http.Header) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	if resp, _ := get(nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("before publication: %s, want 503", resp.Status)
	}
	if err := pub.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	cur := pub.Current(CRLIssuing)
	resp, body := get(nil)
	for _, tc := range []struct{ header, want string }{
		{"Content-Type", "application/pkix-crl"},
		{"Cache-Control", "public, max-age=60, no-transform"},
		{"ETag", `"issuing-` + cur.Number.Text(16) + `"`},
	} {
		if got := resp.Header.Get(tc.header); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
		}
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, cur.DER) {
		t.Fatalf("after publication: %s, %d bytes; want 200 with the current CRL", resp.Status, len(body))
	}
	if resp, _ := get(http.Header{"If-None-Match": {resp.Header.Get("ETag")}}); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation with the current ETag: %s, want 304", resp.Status)
	}
}

// Two publishers over one store stand for two nodes: what node A publishes
// reaches node B's handler with Reload, and B's own later publication
// stays what it serves after a reload.
func TestCRLReloadTakesANewerCRLFromTheStore(t *testing.T) {
	f := newRegisterFixture(t)
	ctx := context.Background()
	node := func() *CRLPublisher {
		p, err := NewCRLPublisher(CRLPublisherConfig{Store: f.store, Issuing: f.pki.issuer, Root: f.pki.rootIssuer,
			Lifecycle: f.svc.Lifecycle(), Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := node(), node()
	before := b.Current(CRLIssuing).Number
	f.clock.Advance(2 * time.Second) // CRL times are whole seconds
	if err := a.Publish(ctx, CRLIssuing); err != nil {
		t.Fatal(err)
	}
	newer := a.Current(CRLIssuing)
	if newer.Number.Cmp(before) <= 0 {
		t.Fatalf("node A published number %v after %v", newer.Number, before)
	}
	if b.Current(CRLIssuing).Number.Cmp(before) != 0 {
		t.Fatal("node B changed before it reloaded")
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.Current(CRLIssuing); !bytes.Equal(got.DER, newer.DER) {
		t.Fatalf("node B serves number %v after Reload, want A's %v", got.Number, newer.Number)
	}
	// B publishes a newer one itself; a reload keeps it.
	f.clock.Advance(2 * time.Second)
	if err := b.Publish(ctx, CRLIssuing); err != nil {
		t.Fatal(err)
	}
	own := b.Current(CRLIssuing)
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.Current(CRLIssuing); got.Number.Cmp(own.Number) != 0 {
		t.Fatalf("Reload replaced B's own newer CRL %v with %v", own.Number, got.Number)
	}
}
