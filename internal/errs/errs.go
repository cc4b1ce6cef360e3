// Package errs is the one error type of qes. Domain packages say what went
// wrong with a Kind and a human-readable Detail; the HTTP edges (csc, portal)
// each map a Kind to their own protocol shape in exactly one place.
package errs

import (
	"errors"
	"fmt"

	"github.com/qesproject/qes/internal/msg"
)

// Kind classifies an error by what the caller can do about it, not by where it
// happened.
type Kind int

const (
	// Internal is an unexpected condition; details are logged, never shown.
	Internal Kind = iota
	// InvalidRequest: malformed or missing input; the caller must fix the request.
	InvalidRequest
	// InvalidToken: missing, unknown or revoked access token (HTTP 401).
	InvalidToken
	// ExpiredToken: the access or refresh token has expired (HTTP 401).
	ExpiredToken
	// AccessDenied: authenticated, but not allowed to do this.
	AccessDenied
	// AuthenticationFailed: wrong user ID or password at login.
	AuthenticationFailed
	// InvalidPIN: the signing PIN is wrong.
	InvalidPIN
	// InvalidOTP: the one-time password is wrong, expired or already used.
	InvalidOTP
	// Locked: too many failed attempts; the credential or account is blocked.
	Locked
	// InvalidSAD: the Signature Activation Data is unknown, used up or not for this request.
	InvalidSAD
	// ExpiredSAD: the Signature Activation Data has expired.
	ExpiredSAD
	// HashNotAuthorized: a hash to sign was not bound to the SAD.
	HashNotAuthorized
	// CredentialUnusable: key disabled, certificate expired, suspended or revoked.
	CredentialUnusable
	// NotFound: the referenced object does not exist (or is not the caller's).
	NotFound
	// Conflict: the object exists already or is in a state that forbids the change.
	Conflict
	// InvalidGrant: an OAuth 2.0 code or refresh token is invalid, expired or mismatched.
	InvalidGrant
	// InvalidClient: OAuth 2.0 client authentication failed.
	InvalidClient
	// RateLimited: too many requests; try later (HTTP 429).
	RateLimited
	// NotImplemented: the method or option is not supported (HTTP 501).
	NotImplemented
	// Unavailable: a dependency (HSM, storage) is temporarily unavailable (HTTP 503).
	Unavailable
	// Gone: the object existed but its time is over for good, such as an
	// identification session whose window closed (HTTP 410): start anew.
	Gone
)

var kindNames = map[Kind]string{
	Internal:             "internal",
	InvalidRequest:       "invalid_request",
	InvalidToken:         "invalid_token",
	ExpiredToken:         "expired_token",
	AccessDenied:         "access_denied",
	AuthenticationFailed: "authentication_failed",
	InvalidPIN:           "invalid_pin",
	InvalidOTP:           "invalid_otp",
	Locked:               "locked",
	InvalidSAD:           "invalid_sad",
	ExpiredSAD:           "expired_sad",
	HashNotAuthorized:    "hash_not_authorized",
	CredentialUnusable:   "credential_unusable",
	NotFound:             "not_found",
	Conflict:             "conflict",
	InvalidGrant:         "invalid_grant",
	InvalidClient:        "invalid_client",
	RateLimited:          "rate_limited",
	NotImplemented:       "not_implemented",
	Unavailable:          "unavailable",
	Gone:                 "gone",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error carries a Kind, a Detail safe to show to the caller, and an optional
// wrapped cause that is for logs only. An error built with M also names its
// message in the catalogue (ID and Args), so that each edge can say it in
// the reader's language; Detail is then the English text.
type Error struct {
	Kind   Kind
	ID     msg.ID
	Args   []any
	Detail string
	Err    error
	// OAuth is the RFC 6749 error code (invalid_request, invalid_grant,
	// ...) when the error is the OAuth 2.0 authorization server's answer
	// to a client; empty otherwise.
	OAuth string
	// Redirect says an OAuth error may go back to the client's redirect
	// URI: false when the client or the URI could not be trusted, and
	// then the user is told instead.
	Redirect bool
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Detail != "":
		return e.Detail + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Kind.String() + ": " + e.Err.Error()
	case e.Detail != "":
		return e.Detail
	default:
		return e.Kind.String()
	}
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an Error with a plain-text detail. Only Internal errors use it
// (their detail is never shown); a caller-facing error names a catalogue
// message with M, which messages_test.go enforces.
func E(kind Kind, detail string) *Error { return &Error{Kind: kind, Detail: detail} }

// M builds an Error whose caller-facing message is the catalogue's id,
// formatted with args.
func M(kind Kind, id msg.ID, args ...any) *Error {
	return &Error{Kind: kind, ID: id, Args: args, Detail: msg.Text(msg.English, id, args...)}
}

// OAuth builds an OAuth 2.0 protocol error with the RFC 6749 code and the
// catalogue's id (its English text is the error_description). Its Kind
// follows the code, so that an edge unaware of OAuth still answers sensibly.
func OAuth(code string, id msg.ID, redirect bool, args ...any) *Error {
	kind := InvalidRequest
	switch code {
	case "invalid_client":
		kind = InvalidClient
	case "invalid_grant":
		kind = InvalidGrant
	case "access_denied":
		kind = AccessDenied
	}
	e := M(kind, id, args...)
	e.OAuth, e.Redirect = code, redirect
	return e
}

// OAuthOf returns the OAuth 2.0 error err carries, if any.
func OAuthOf(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) && e.OAuth != "" {
		return e, true
	}
	return nil, false
}

// Ef builds an Error with a formatted plain-text detail; like E, for
// Internal errors only.
func Ef(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// Wrap attaches a kind and a plain-text detail to a cause; like E, for
// Internal errors only (WrapM is its caller-facing twin). A nil cause
// yields nil so that `return errs.Wrap(...)` is safe after a call.
func Wrap(err error, kind Kind, detail string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Detail: detail, Err: err}
}

// WrapM attaches a kind and a catalogue message to a cause, as Wrap does
// for a plain detail.
func WrapM(err error, kind Kind, id msg.ID, args ...any) error {
	if err == nil {
		return nil
	}
	e := M(kind, id, args...)
	e.Err = err
	return e
}

// Internalf wraps an unexpected failure with context for the logs; callers
// see only a generic message.
func Internalf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: Internal, Err: fmt.Errorf(format+": %w", append(args, err)...)}
}

// KindOf reports the Kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// DetailOf reports the caller-facing detail of the first *Error in err's chain
// that has one. Internal errors never expose their cause.
func DetailOf(err error) string {
	var e *Error
	for errors.As(err, &e) {
		if e.Kind == Internal {
			return ""
		}
		if e.Detail != "" {
			return e.Detail
		}
		err = e.Err
	}
	return ""
}

// MessageOf reports the catalogue message of the first *Error in err's chain
// that names one. Internal errors never expose their cause.
func MessageOf(err error) (id msg.ID, args []any, ok bool) {
	var e *Error
	for errors.As(err, &e) {
		if e.Kind == Internal {
			return "", nil, false
		}
		if e.ID != "" {
			return e.ID, e.Args, true
		}
		err = e.Err
	}
	return "", nil, false
}

// Quoted returns err's caller-facing message as the argument of another
// message that quotes it (errs.M(kind, msg.SignDocInField, errs.Quoted(err),
// field)): a msg.Message when err names one, so that the outer message says
// the inner one in the reader's language too, else its plain detail.
func Quoted(err error) any {
	if id, args, ok := MessageOf(err); ok {
		return msg.Message{ID: id, Args: args}
	}
	return DetailOf(err)
}

// Is reports whether err carries the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
