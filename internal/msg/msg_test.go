package msg

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// verbs lists a text's formatting verbs by argument position, so that a
// translation may reorder arguments with %[n]s but not drop or retype one.
func verbs(text string) []string {
	var out []string
	next := 1
	for _, m := range verb.FindAllStringSubmatch(text, -1) {
		if m[2] == "%" {
			continue
		}
		pos := next
		if m[1] != "" {
			pos = int(m[1][0] - '0')
		}
		next = pos + 1
		out = append(out, string(rune('0'+pos))+m[2])
	}
	slices.Sort(out)
	return out
}

// sameInBothLanguages lists the texts Italian writes as English does.
var sameInBothLanguages = map[ID]bool{"layout.menu": true, "login.password": true, "account.password": true, "oauth.password": true}

func TestEveryMessageIsWrittenInBothLanguages(t *testing.T) {
	ids := IDs()
	if len(ids) < 100 {
		t.Fatalf("the catalogue has only %d messages", len(ids))
	}
	for _, id := range ids {
		en, it := catalogue[id][0], catalogue[id][1]
		switch {
		case strings.TrimSpace(en) == "" || strings.TrimSpace(it) == "":
			t.Errorf("%s: empty text (en %q, it %q)", id, en, it)
		case en != strings.TrimSpace(en) || it != strings.TrimSpace(it):
			t.Errorf("%s: leading or trailing space", id)
		case !slices.Equal(verbs(en), verbs(it)):
			t.Errorf("%s: the languages format different arguments: en %v, it %v", id, verbs(en), verbs(it))
		}
		if en == it && !sameInBothLanguages[id] {
			t.Errorf("%s is not translated: %q", id, en)
		}
		if !regexp.MustCompile(`^[a-z0-9]+(\.[a-zA-Z0-9_-]+)+$`).MatchString(string(id)) {
			t.Errorf("%q: an ID is prefix.words in lower case", id)
		}
	}
}

func TestText(t *testing.T) {
	catalogue["test.args"] = [2]string{"%s signed %d files", "%[2]d file firmati da %[1]s"}
	defer delete(catalogue, "test.args")
	tests := []struct {
		lang string
		id   ID
		args []any
		want string
	}{
		{"en", "nav.mysign", nil, "My Sign"},
		{"it", "nav.mysign", nil, "La mia firma"},
		{"de", "nav.mysign", nil, "My Sign"},
		{"", "nav.mysign", nil, "My Sign"},
		{"en", "test.args", []any{"Ada", 3}, "Ada signed 3 files"},
		{"it", "test.args", []any{"Ada", 3}, "3 file firmati da Ada"},
		{"it", "no.such-id", nil, "no.such-id"},
		{"it", PasswordNeeds, []any{[]ID{RuleUpper, RuleDigit}}, "Alla password manca: una lettera maiuscola, una cifra"},
		{"en", ReasonInvalid, []any{ID("rule.digit")}, "Invalid parameter reason: a digit"},
	}
	for _, tc := range tests {
		if got := Text(tc.lang, tc.id, tc.args...); got != tc.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tc.lang, tc.id, got, tc.want)
		}
	}
	if Has("no.such-id") || !Has("nav.mysign") {
		t.Error("Has is wrong")
	}
}

func TestVerbsCatchesADroppedArgument(t *testing.T) {
	if slices.Equal(verbs("%s at %s"), verbs("%s")) {
		t.Fatal("a dropped argument went unnoticed")
	}
	if !slices.Equal(verbs("%s at %d"), verbs("%[2]d: %[1]s")) {
		t.Fatal("a reordered translation was refused")
	}
}

func TestMergeRefusesAnIDDefinedTwice(t *testing.T) {
	dst := map[ID][2]string{"a.one": {"One", "Uno"}}
	if err := mergeInto(dst, map[ID][2]string{"a.two": {"Two", "Due"}}); err != nil || len(dst) != 2 {
		t.Fatalf("a new ID was refused: %v", err)
	}
	err := mergeInto(dst, map[ID][2]string{"a.three": {"Three", "Tre"}}, map[ID][2]string{"a.one": {"Again", "Ancora"}})
	if err == nil || !strings.Contains(err.Error(), "a.one") {
		t.Fatalf("a duplicate ID was accepted: %v", err)
	}
	if dst["a.one"][0] != "One" {
		t.Fatal("a duplicate replaced the first text")
	}
	// Every part is in the catalogue.
	for _, part := range []map[ID][2]string{errorMessages, noticeMessages, oauthErrorMessages, protocolMessages} {
		for id, texts := range part {
			if catalogue[id] != texts {
				t.Fatalf("%s is not in the catalogue as written", id)
			}
		}
	}
}
