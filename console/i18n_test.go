package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rawKey is a catalogue ID left in a page: a text the catalogue lacks.
var rawKey = regexp.MustCompile(`\b(?:console|err|kind|layout)\.[a-z_.-]*[a-z]`)

// Every page in both languages: each text comes from the catalogue.
func TestPagesSpeakBothLanguages(t *testing.T) {
	e := newEnv(t)
	number := e.identified(t, "anna@example.org", false, e.clock.Now().Add(-40*24*time.Hour))
	stale := e.officer(t, "verdi", "VRDGPP70A01F205V", "giuseppe@example.org", "2020-01-01")
	for _, lang := range []string{"en", "it"} {
		for _, who := range []struct{ user, seed string }{{"rossi", e.seed}, {"verdi", stale}} {
			c := e.client(t)
			c.do(http.MethodGet, "/operator/login?lang="+lang, nil)
			c.login(who.user, who.seed)
			for _, path := range []string{"/operator/queue", "/operator/enrolments/" + number, "/operator/enrolments/nope", "/operator/queue?decided=approved&order=" + number} {
				resp, body := c.do(http.MethodGet, path, nil)
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s: %d", lang, path, resp.StatusCode)
				}
				if k := rawKey.FindAllString(strings.ReplaceAll(body, "console.css", ""), -1); len(k) > 0 {
					t.Errorf("%s %s as %s shows catalogue IDs %v", lang, path, who.user, k)
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("%s %s is not in %s", path, lang, lang)
				}
			}
		}
	}
	// What the page says of an old proofing and a lapsed training.
	c := e.client(t)
	c.login("verdi", stale)
	_, body := c.do(http.MethodGet, "/operator/enrolments/"+number, nil)
	for _, want := range []string{`id="training-stale"`, `id="proofing-expired"`, `id="no-portrait"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the review page lacks %s", want)
		}
	}
	if strings.Contains(body, `id="approve"`) {
		t.Error("an officer whose training lapsed is offered the decision buttons")
	}
}
