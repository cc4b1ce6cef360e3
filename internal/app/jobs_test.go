package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// The janitor deletes what has expired and only that: a live token keeps
// working after a run, an expired one is gone from the store.
func TestJanitorDeletesOnlyExpired(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	old := s.Login(t, "v2", h.ID, h.Password)
	s.Clock.Advance(2 * time.Hour) // past the access token's lifetime
	fresh := s.Login(t, "v2", h.ID, h.Password)

	if err := s.App.RunJanitor(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, err := s.App.Store.DeleteExpiredTokens(t.Context(), s.Clock.Now()); err != nil || n != 0 {
		t.Fatalf("after the janitor, %d expired tokens were left (err %v)", n, err)
	}
	if st, body := s.Post(t, "/csc/v2/credentials/list", fresh, map[string]any{}); st != http.StatusOK {
		t.Fatalf("live token refused after the janitor: %d %v", st, body)
	}
	if st, _ := s.Post(t, "/csc/v2/credentials/list", old, map[string]any{}); st != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", st)
	}
}
