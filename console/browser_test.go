package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/browser"
	"github.com/qesproject/qes/officer"
)

// TestOfficerReviewsInTheBrowser walks the console as an officer would:
// log in with the password and the authenticator's code, open the
// queue, open an enrolment, see the portrait, tick the checklist and
// approve; then reject a second enrolment with a reason.
func TestOfficerReviewsInTheBrowser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.identified(t, "anna@example.org", true, e.clock.Now().Add(-3*time.Hour))
	second := e.identified(t, "bea@example.org", true, e.clock.Now().Add(-time.Hour))
	b := browser.NewTab(t, &testutil.Server{URL: e.srv.URL})

	b.Open("/operator/queue")
	b.ExpectPath("/operator/login")
	b.Shot("login")
	b.Fill("#user", "rossi", "#password", "Wrong-Pass1!", "#code", e.code(t, e.seed))
	b.Submit("#submit")
	b.ExpectText("#error", "Wrong user name, password or authenticator code")
	b.Shot("login-refused")
	b.Fill("#user", "rossi", "#password", password, "#code", e.code(t, e.seed))
	b.Submit("#submit")
	b.ExpectPath("/operator/queue")
	b.Shot("queue")
	b.ExpectText("#whoami", "Officer rossi")
	if rows := b.Eval(`document.querySelectorAll("#queue tbody tr").length`); rows != "2" {
		t.Fatalf("queue rows = %s, want 2", rows)
	}
	// The longest waiting comes first.
	b.ExpectText("#queue tbody tr:first-child", first)

	b.Submit("#open-" + first)
	b.ExpectPath("/operator/enrolments/" + first)
	// The portrait loaded through the officer-only route, under the CSP.
	b.Step("portrait loaded", chromedp.Poll[chromedp.Void](`document.getElementById("portrait").complete && document.getElementById("portrait").naturalWidth > 0`))
	if w := b.Eval(`document.getElementById("portrait").naturalWidth`); w != "240" {
		t.Fatalf("portrait width = %s, want 240", w)
	}
	if !b.Has("video#video") || !b.Has("#photo-front") || !b.Has("#photo-back") {
		t.Fatal("the review page lacks the video or the document photos")
	}
	b.ExpectText("#facematch", "automated face match: not performed")
	b.ExpectText("#challenge", "turn left → blink → smile")
	b.ExpectText("#checks", "Passive authentication")
	b.ExpectText("#document", "BIANCHI")
	b.Shot("review")

	// Approving without the checklist is refused and keeps the page.
	b.Submit("#approve")
	b.ExpectText("#error", "Tick every feature")
	for _, f := range officer.Features {
		b.Step("tick "+f, chromedp.Click(chromedp.CSS("#f-"+f)))
	}
	b.Shot("checklist")
	e.clock.Advance(75 * time.Second)
	b.Submit("#approve")
	b.ExpectPath("/operator/queue")
	b.ExpectText("#notice", first+": identity approved")
	b.Shot("approved")

	b.Submit("#open-" + second)
	b.Fill("#reason", "the face on the video is not the portrait's")
	b.Submit("#reject")
	b.ExpectPath("/operator/queue")
	b.ExpectText("#notice", second+": rejected")
	b.ExpectText("#empty", "No enrolment is waiting")
	b.Shot("rejected")

	// The store says what the pages said, with the time spent.
	for number, want := range map[string]string{first: "approved", second: "rejected"} {
		o, err := e.db.Order(ctx, number)
		if err != nil || o.State != want {
			t.Fatalf("order %s = %+v, %v: want %s", number, o, err, want)
		}
		revs, err := e.db.ReviewsOf(ctx, number)
		if err != nil || len(revs) != 1 || revs[0].Decision != want || revs[0].Officer != "rossi" {
			t.Fatalf("reviews of %s = %+v, %v", number, revs, err)
		}
		if number == first && (revs[0].Seconds < 75 || revs[0].Checklist["eyes"] != "match") {
			t.Fatalf("review of %s = %+v: want at least 75 s and the checklist", number, revs[0])
		}
		if number == second && !strings.Contains(revs[0].Reason, "not the portrait's") {
			t.Fatalf("review of %s = %+v: want the reason", number, revs[0])
		}
	}

	// Italian, then out.
	b.Open("/operator/queue?lang=it")
	b.ExpectText("h1", "Registrazioni in attesa di revisione")
	b.Submit("#logout")
	b.ExpectPath("/operator/login")
	b.ExpectText("#notice", "Sei uscito")
	b.Shot("logged-out")
}
