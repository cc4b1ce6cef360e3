package reqid

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, c := range []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"lb.1:2_3-4", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"has space", false},
		{"quote\"", false},
		{"new\nline", false},
		{"slash/", false},
		{"é", false},
	} {
		if got := Valid(c.id); got != c.want {
			t.Errorf("Valid(%q) = %v, want %v", c.id, got, c.want)
		}
	}
	if id := New(); !Valid(id) || len(id) != 26 || New() == id {
		t.Errorf("New() = %q: not a fresh valid id", id)
	}
}

// TestMiddlewareAndHandler: the id reaches the handler's context, the
// response and the log line written with that context, and only that one.
func TestMiddlewareAndHandler(t *testing.T) {
	var buf bytes.Buffer
	log := Logger(slog.New(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "inside")
	}))
	for _, c := range []struct{ sent, want string }{{"abc-1", "abc-1"}, {"bad id", ""}} {
		buf.Reset()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set(Header, c.sent)
		h.ServeHTTP(rec, req)
		got := rec.Header().Get(Header)
		if c.want != "" && got != c.want || c.want == "" && (got == c.sent || !Valid(got)) {
			t.Fatalf("sent %q, echoed %q", c.sent, got)
		}
		if !strings.Contains(buf.String(), `"request_id":"`+got+`"`) || !strings.Contains(buf.String(), `"component":"test"`) {
			t.Fatalf("log line %s lacks request_id %s", buf.String(), got)
		}
	}
	buf.Reset()
	log.InfoContext(context.Background(), "outside")
	if strings.Contains(buf.String(), "request_id") {
		t.Fatalf("a line outside a request has a request_id: %s", buf.String())
	}
}
