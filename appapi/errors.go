package appapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/qesproject/qes/identity"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Problem is the error body, in the CSC shape (CSC API v2 10.2).
type Problem struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
	// AttemptsLeft accompanies a refused chip reading.
	AttemptsLeft *int `json:"attemptsLeft,omitempty"`
}

type mapped struct {
	status int
	code   string
}

// kindMap is the one place a domain Kind becomes this API's status and
// code.
var kindMap = map[errs.Kind]mapped{
	errs.InvalidRequest:       {http.StatusBadRequest, "invalid_request"},
	errs.NotFound:             {http.StatusNotFound, "not_found"},
	errs.Conflict:             {http.StatusConflict, "conflict"},
	errs.Gone:                 {http.StatusGone, "expired"},
	errs.AuthenticationFailed: {http.StatusUnauthorized, "authentication_error"},
	errs.InvalidOTP:           {http.StatusBadRequest, "invalid_otp"},
	errs.InvalidGrant:         {http.StatusBadRequest, "invalid_grant"},
	errs.InvalidToken:         {http.StatusUnauthorized, "invalid_token"},
	errs.ExpiredToken:         {http.StatusUnauthorized, "invalid_token"},
	errs.AccessDenied:         {http.StatusForbidden, "access_denied"},
	errs.Locked:               {http.StatusForbidden, "locked"},
	errs.RateLimited:          {http.StatusTooManyRequests, "rate_limited"},
	errs.NotImplemented:       {http.StatusNotImplemented, "not_implemented"},
	errs.Unavailable:          {http.StatusServiceUnavailable, "temporarily_unavailable"},
	errs.Internal:             {http.StatusInternalServerError, "server_error"},
}

// tooLarge is a body over its route's limit (413).
type tooLarge struct{ limit int64 }

func (e *tooLarge) Error() string { return "request body too large" }

// problemFor maps err once: a refused chip reading answers 422 with the
// check's code; a DPoP refusal says invalid_dpop_proof (RFC 9449 7.1).
func problemFor(err error) (int, Problem) {
	var refused *identity.Refused
	if errors.As(err, &refused) {
		left := refused.AttemptsLeft
		return http.StatusUnprocessableEntity, Problem{Error: string(refused.Err.Code), ErrorDescription: refused.Err.Detail, AttemptsLeft: &left}
	}
	var big *tooLarge
	if errors.As(err, &big) {
		return http.StatusRequestEntityTooLarge, Problem{Error: "invalid_request", ErrorDescription: msg.Text(msg.English, msg.AppBodyTooLarge, big.limit)}
	}
	kind := errs.KindOf(err)
	m, ok := kindMap[kind]
	if !ok {
		m = mapped{http.StatusBadRequest, "invalid_request"}
	}
	desc := errs.DetailOf(err)
	if desc == "" || kind == errs.Internal {
		desc = msg.Text(msg.English, msg.ID("kind."+kindOrInternal(kind)))
	}
	if id, _, ok := errs.MessageOf(err); ok && (id == msg.AppDPoPInvalid || id == msg.AppDPoPReplayed || id == msg.AppBodyHash) {
		m.code = "invalid_dpop_proof"
	}
	return m.status, Problem{Error: m.code, ErrorDescription: desc}
}

func kindOrInternal(k errs.Kind) string {
	if msg.Has(msg.ID("kind." + k.String())) {
		return k.String()
	}
	return errs.Internal.String()
}

func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, p := problemFor(err)
	if status >= 500 && status != http.StatusNotImplemented {
		log.ErrorContext(r.Context(), "app API request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `DPoP algs="ES256", error="`+p.Error+`"`)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(60))
	}
	writeJSON(w, status, p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
