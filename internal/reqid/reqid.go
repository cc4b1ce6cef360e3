// Package reqid gives every HTTP request an identifier: the caller's
// X-Request-Id when it is well formed (a load balancer's or a client's, so
// that their logs and qes's can be joined), a fresh one otherwise. The
// identifier is echoed in the response and added as request_id to every
// log line written with the request's context.
package reqid

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
)

// Header is the request and response header that carries the identifier.
const Header = "X-Request-Id"

// maxLen bounds an accepted identifier: long enough for a UUID or a
// trace ID with a prefix, short enough to log on every line.
const maxLen = 64

// Valid reports whether id may be taken from a caller: 1 to 64 characters
// of [A-Za-z0-9._:-]. Anything else (spaces, quotes, control characters
// that would forge log lines) is replaced, not repaired.
func Valid(id string) bool {
	if len(id) == 0 || len(id) > maxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// New is a fresh identifier: 26 characters of base32 (128 bits).
func New() string { return rand.Text() }

type key struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context { return context.WithValue(ctx, key{}, id) }

// From is the identifier ctx carries, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Middleware takes or makes the request's identifier, sets it on the
// response before next writes anything, and hands next a request whose
// context carries it.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(Header)
		if !Valid(id) {
			id = New()
		}
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(With(r.Context(), id)))
	})
}

// Logger is l with request_id added to every record logged with a context
// that carries one.
func Logger(l *slog.Logger) *slog.Logger { return slog.New(Handler(l.Handler())) }

// Handler wraps h: records logged with a request's context get its
// request_id attribute.
func Handler(h slog.Handler) slog.Handler {
	if _, ok := h.(handler); ok {
		return h
	}
	return handler{h}
}

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }
