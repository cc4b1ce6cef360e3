package portal

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
)

// FuzzLocalPath: the language switch's return address can never send the
// browser off the portal.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/portal/sign", "//evil.example/", "/portal//evil.example", "/portal/../x", "https://evil.example",
		"/portal/\\evil", "/portal/sign?x=1", "/portal/%2e%2e/", "/portal/é", "/portal/a b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, back string) {
		got := localPath(back, "/portal/sign")
		if got == "/portal/sign" {
			return
		}
		if got != back {
			t.Fatalf("localPath(%q) = %q: neither the input nor the fallback", back, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/portal/") || strings.Contains(u.Path, "/..") {
			t.Fatalf("localPath(%q) = %q leaves the portal (%+v, %v)", back, got, u, err)
		}
	})
}

// FuzzDayRange: the report's date inputs are parsed or refused with a
// clear error, never a panic.
func FuzzDayRange(f *testing.F) {
	for _, s := range [][2]string{{"2026-01-31", "2026-02-01"}, {"", ""}, {"2026-13-01", ""}, {"31/01/2026", ""}, {"2026-02-30", "x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		fr, tt, err := dayRange(from, to)
		if err != nil {
			if !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("dayRange(%q, %q): %v is not InvalidRequest", from, to, err)
			}
			return
		}
		if from != "" && fr.Format(time.DateOnly) != from {
			t.Fatalf("from %q read as %v", from, fr)
		}
		if to != "" && tt.AddDate(0, 0, -1).Format(time.DateOnly) != to {
			t.Fatalf("to %q read as %v (the day after, exclusive)", to, tt)
		}
	})
}
