package errs

import (
	"errors"
	"fmt"
	"testing"

	"github.com/qesproject/qes/internal/msg"
)

func TestKindAndDetailSurviveWrapping(t *testing.T) {
	base := E(InvalidPIN, "The PIN is invalid")
	wrapped := fmt.Errorf("authorize credential c1: %w", base)

	tests := []struct {
		name       string
		err        error
		wantKind   Kind
		wantDetail string
	}{
		{"plain", base, InvalidPIN, "The PIN is invalid"},
		{"fmt-wrapped", wrapped, InvalidPIN, "The PIN is invalid"},
		{"foreign error", errors.New("disk on fire"), Internal, ""},
		{"internal hides cause", Internalf(errors.New("bolt: tx closed"), "save SAD"), Internal, ""},
		{"wrap keeps detail", Wrap(errors.New("asn1: bad"), InvalidRequest, "Invalid parameter signAlgoParams"), InvalidRequest, "Invalid parameter signAlgoParams"},
		{"detail from inner", &Error{Kind: Locked, Err: E(Locked, "Credential locked")}, Locked, "Credential locked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.wantKind {
				t.Errorf("KindOf = %v, want %v", got, tt.wantKind)
			}
			if got := DetailOf(tt.err); got != tt.wantDetail {
				t.Errorf("DetailOf = %q, want %q", got, tt.wantDetail)
			}
		})
	}
}

func TestWrapNilIsNil(t *testing.T) {
	if Wrap(nil, InvalidRequest, "x") != nil || Internalf(nil, "x") != nil {
		t.Fatal("wrapping nil must stay nil")
	}
}

func TestInternalMessageKeepsContextForLogs(t *testing.T) {
	err := Internalf(errors.New("EOF"), "read credential %s", "c1")
	if got, want := err.Error(), "internal: read credential c1: EOF"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, errors.Unwrap(errors.Unwrap(err))) {
		t.Fatal("cause must stay reachable with errors.Is")
	}
}

func TestMessageNamesTheCatalogue(t *testing.T) {
	const id = "kind.locked"
	tests := []struct {
		name   string
		err    error
		wantID msg.ID
		wantOK bool
	}{
		{"plain", M(Locked, id), id, true},
		{"fmt-wrapped", fmt.Errorf("login: %w", M(Locked, id)), id, true},
		{"inner", &Error{Kind: Locked, Err: M(Locked, id)}, id, true},
		{"no ID", E(Locked, "Credential locked"), "", false},
		{"internal hides it", &Error{Kind: Internal, Err: M(Locked, id)}, "", false},
		{"foreign", errors.New("x"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, ok := MessageOf(tt.err)
			if got != tt.wantID || ok != tt.wantOK {
				t.Errorf("MessageOf = %q %v, want %q %v", got, ok, tt.wantID, tt.wantOK)
			}
		})
	}
	if d := DetailOf(M(Locked, id)); d != msg.Text(msg.English, id) || d == "" {
		t.Errorf("the detail of M is not the English text: %q", d)
	}
}

func TestOAuthErrorsRideOnTheOneType(t *testing.T) {
	tests := []struct {
		code     string
		redirect bool
		wantKind Kind
	}{
		{"invalid_request", true, InvalidRequest},
		{"invalid_client", false, InvalidClient},
		{"invalid_grant", false, InvalidGrant},
		{"unsupported_grant_type", false, InvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := fmt.Errorf("token: %w", OAuth(tt.code, msg.OAuthMissingParam, tt.redirect, "code"))
			e, ok := OAuthOf(err)
			if !ok || e.OAuth != tt.code || e.Redirect != tt.redirect || KindOf(err) != tt.wantKind {
				t.Fatalf("OAuthOf = %+v %v, kind %v", e, ok, KindOf(err))
			}
			if e.Detail != "Missing parameter code" {
				t.Errorf("description %q is not the English text", e.Detail)
			}
		})
	}
	if _, ok := OAuthOf(M(InvalidRequest, msg.OAuthMissingParam, "code")); ok {
		t.Error("a domain error is taken for an OAuth one")
	}
}

// An outer message that quotes an inner error keeps the inner message, so
// that both are said in the reader's language.
func TestQuotedKeepsTheInnerMessage(t *testing.T) {
	inner := M(InvalidRequest, msg.InvalidParam, "hashes")
	outer := WrapM(inner, KindOf(inner), msg.SignDocInField, Quoted(inner), "documentDigests[0]")
	if got := DetailOf(outer); got != "Invalid parameter hashes in documentDigests[0]" {
		t.Errorf("English detail %q", got)
	}
	id, args, ok := MessageOf(outer)
	if !ok || id != msg.SignDocInField {
		t.Fatalf("MessageOf = %q, %v", id, ok)
	}
	if got := msg.Text(msg.Italian, id, args...); got != "Parametro hashes non valido (in documentDigests[0])" {
		t.Errorf("Italian text %q", got)
	}
	if got := Quoted(E(InvalidRequest, "plain")); got != "plain" {
		t.Errorf("Quoted of a plain detail = %v", got)
	}
	if got := Quoted(Internalf(errors.New("secret"), "x")); got != "" {
		t.Errorf("Quoted exposed an internal error: %v", got)
	}
}
