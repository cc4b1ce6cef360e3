package tsa

import (
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
)

const (
	// MaxRequestBytes bounds a TimeStampReq body; real requests are ~100 bytes.
	MaxRequestBytes = 64 << 10

	contentTypeQuery = "application/timestamp-query"
	contentTypeReply = "application/timestamp-reply"
)

// Handler serves the RFC 3161 HTTP transport (section 3.4): mount it at
// POST /tsa. Transport errors (method, media type, size) get a 4xx with a
// plain-text reason; every decoded request gets a TimeStampResp with 200,
// rejections included, except when the TSA itself failed (500 with a
// systemFailure response).
func (t *TSA) Handler() http.Handler { return handler{t} }

type handler struct{ tsa *TSA }

// requesterAddress names an anonymous RFC 3161 client by its address.
func requesterAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return "addr:" + host
	}
	return "addr:" + r.RemoteAddr
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "time-stamp requests must use POST", http.StatusMethodNotAllowed)
		return
	}
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != contentTypeQuery {
		http.Error(w, "Content-Type must be "+contentTypeQuery, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "the time-stamp request exceeds "+strconv.Itoa(MaxRequestBytes)+" bytes", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "the request body could not be read", http.StatusBadRequest)
		return
	}
	resp, err := h.tsa.Respond(r.Context(), requesterAddress(r), body)
	status := http.StatusOK
	if err != nil {
		status = http.StatusInternalServerError
	}
	if resp == nil {
		http.Error(w, "the time-stamp response could not be encoded", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentTypeReply)
	w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
	w.WriteHeader(status)
	_, _ = w.Write(resp)
}
