package app_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/config"
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

// jobs.skip removes a job from this node only: it neither runs it nor
// takes its lease. The names config accepts are exactly the jobs.
func TestJobsSkip(t *testing.T) {
	t.Parallel()
	without := func(name string) []string {
		return slices.DeleteFunc(slices.Clone(config.JobNames), func(n string) bool { return n == name })
	}
	tests := []struct {
		name string
		skip []string
		want []string
	}{
		{"every job by default", nil, config.JobNames},
		{"evidence skipped on this node", []string{"evidence"}, without("evidence")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testutil.StartServer(t, func(s *testutil.Setup) { s.Config.Jobs.Skip = tt.skip })
			if got := s.App.PeriodicJobNames(); !slices.Equal(got, tt.want) {
				t.Fatalf("jobs %v, want %v", got, tt.want)
			}
		})
	}
}
