package webpage

import (
	"net/http"
	"slices"
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// kindStatus is the one place a domain Kind becomes the status of a page.
var kindStatus = map[errs.Kind]int{
	errs.InvalidRequest:       http.StatusBadRequest,
	errs.AuthenticationFailed: http.StatusUnauthorized,
	errs.InvalidOTP:           http.StatusBadRequest,
	errs.InvalidPIN:           http.StatusBadRequest,
	errs.Locked:               http.StatusForbidden,
	errs.RateLimited:          http.StatusTooManyRequests,
	errs.Conflict:             http.StatusConflict,
	errs.NotFound:             http.StatusNotFound,
	errs.CredentialUnusable:   http.StatusConflict,
	errs.AccessDenied:         http.StatusForbidden,
	errs.InvalidToken:         http.StatusUnauthorized,
	errs.ExpiredToken:         http.StatusUnauthorized,
	errs.Unavailable:          http.StatusServiceUnavailable,
	errs.Gone:                 http.StatusGone,
}

// UserError turns a domain error into a status and a message in the
// reader's language: the catalogue message the error names, else (for an
// error without one) its English detail or, in Italian, the message for its
// kind. Internal errors say nothing of their cause (the caller logs it).
func UserError(lang string, err error) (int, string) {
	kind := errs.KindOf(err)
	status, ok := kindStatus[kind]
	if !ok {
		return http.StatusInternalServerError, msg.Text(lang, "kind.internal")
	}
	if id, args, ok := errs.MessageOf(err); ok {
		return status, sentence(msg.Text(lang, id, args...))
	}
	if detail := errs.DetailOf(err); detail != "" && lang == msg.English {
		return status, sentence(detail)
	}
	return status, msg.Text(lang, msg.ID("kind."+kind.String()))
}

// sentence ends a domain message with a full stop, as the page texts are.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// Kinds are the kinds a page can report besides Internal: each needs a
// "kind.<name>" text in the catalogue.
func Kinds() []errs.Kind {
	out := make([]errs.Kind, 0, len(kindStatus))
	for k := range kindStatus {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
