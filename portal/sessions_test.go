package portal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
)

func TestSessionsStoreOnlyAMAC(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.Sessions, context.Background()
	sess, err := p.Login(ctx, h.ID, h.Password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Store.PortalSession(ctx, sess.Token); !errs.Is(err, errs.NotFound) {
		t.Fatal("the session is stored under its token: a copy of the database would be a login")
	}
	got, err := p.Session(ctx, sess.Token)
	if err != nil || got.HolderID != h.ID || got.CSRF != sess.CSRF || got.CSRF == "" || got.CSRF == sess.Token {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if _, err := p.Session(ctx, strings.Repeat("x", 43)); !errs.Is(err, errs.InvalidToken) {
		t.Fatalf("an unknown token: %v", err)
	}
	var _ storage.PortalSessions = s.App.Store
}
