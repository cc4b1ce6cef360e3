package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

func testTrustAnchors(t *testing.T, s storage.Store) {
	ctx := context.Background()
	it := &storage.CSCA{SHA256: "aa", Country: "IT", Subject: "CN=CSCA IT", DER: []byte{1}, ImportedAt: t0}
	added, err := s.PutCSCA(ctx, it)
	must(t, err)
	if !added {
		t.Fatal("a new CSCA was not added")
	}
	// The same certificate again is not a second anchor.
	added, err = s.PutCSCA(ctx, &storage.CSCA{SHA256: "aa", Country: "IT", Subject: "changed", DER: []byte{1}})
	must(t, err)
	if added {
		t.Fatal("the same CSCA was added twice")
	}
	_, err = s.PutCSCA(ctx, &storage.CSCA{SHA256: "bb", Country: "I", DER: []byte{2}})
	must(t, err)
	_, err = s.PutCSCA(ctx, &storage.CSCA{SHA256: "cc", Country: "DE", DER: []byte{3}})
	must(t, err)
	_, err = s.PutCSCA(ctx, &storage.CSCA{SHA256: "dd", Country: "IT", DER: []byte{4}})
	must(t, err)

	got, err := s.CSCAs(ctx, "IT")
	must(t, err)
	if len(got) != 2 || got[0].Subject != "CN=CSCA IT" {
		t.Fatalf("IT CSCAs = %v (a country's prefix must not match another's)", got)
	}
	all, err := s.CSCAs(ctx, "")
	must(t, err)
	if len(all) != 4 {
		t.Fatalf("all CSCAs = %d, want 4", len(all))
	}

	crl := &storage.CSCACRL{Country: "IT", IssuerKey: "k1", ThisUpdate: t0, NextUpdate: t0.Add(90 * 24 * time.Hour), DER: []byte{9}}
	must(t, s.PutCSCACRL(ctx, crl))
	newer := *crl
	newer.ThisUpdate, newer.DER = t0.Add(time.Hour), []byte{10}
	must(t, s.PutCSCACRL(ctx, &newer))
	wantKind(t, s.PutCSCACRL(ctx, crl), errs.Conflict)
	must(t, s.PutCSCACRL(ctx, &storage.CSCACRL{Country: "IT", IssuerKey: "k2", ThisUpdate: t0, DER: []byte{11}}))
	crls, err := s.CSCACRLs(ctx, "IT")
	must(t, err)
	if len(crls) != 2 || crls[0].DER[0] != 10 {
		t.Fatalf("IT CRLs = %+v, want the newer k1 and k2", crls)
	}
}
