package ocsp

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// MaxRequestBytes bounds a POSTed OCSPRequest; an unsigned request is
	// about 100 bytes, a signed one with certificates a few KiB.
	MaxRequestBytes = 16 << 10

	contentTypeRequest  = "application/ocsp-request"
	contentTypeResponse = "application/ocsp-response"
)

// ServeHTTP answers GET /{base64(DER OCSPRequest)} (RFC 6960 A.1) and POST
// with an application/ocsp-request body. Mount it with http.StripPrefix so
// the path is only the request, and not behind a router that cleans paths:
// http.ServeMux redirects paths containing "//", which base64 produces.
func (r *Responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var der []byte
	switch req.Method {
	case http.MethodGet:
		var ok bool
		if der, ok = decodeGETPath(req.URL.Path); !ok {
			writeError(w, statusMalformedRequest)
			return
		}
	case http.MethodPost:
		if ct := req.Header.Get("Content-Type"); ct != "" {
			if mediaType, _, err := mime.ParseMediaType(ct); err != nil || mediaType != contentTypeRequest {
				http.Error(w, "Content-Type must be "+contentTypeRequest, http.StatusUnsupportedMediaType)
				return
			}
		}
		var err error
		der, err = io.ReadAll(http.MaxBytesReader(w, req.Body, MaxRequestBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, "the OCSP request exceeds "+strconv.Itoa(MaxRequestBytes)+" bytes", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "the request body could not be read", http.StatusBadRequest)
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "OCSP requests use GET or POST", http.StatusMethodNotAllowed)
		return
	}

	a := r.respond(req.Context(), der)
	if a.status != statusSuccessful {
		writeError(w, a.status)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentTypeResponse)
	if !a.cacheable {
		hdr.Set("Cache-Control", "no-store") // the nonce makes it one client's answer
		writeBody(w, http.StatusOK, a.e.der)
		return
	}
	maxAge := int64(a.e.nextUpdate.Sub(r.cfg.Now()) / time.Second)
	hdr.Set("Cache-Control", "max-age="+strconv.FormatInt(max(maxAge, 0), 10)+", public, no-transform, must-revalidate")
	hdr.Set("ETag", a.e.etag)
	hdr.Set("Last-Modified", a.e.lastModified)
	hdr.Set("Expires", a.e.expires)
	if req.Method == http.MethodGet && notModified(req, a.e) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeBody(w, http.StatusOK, a.e.der)
}

// decodeGETPath undoes what clients and proxies do to the base64 request:
// the path is already percent-decoded by net/http; '+' may arrive as ' ',
// base64url alphabets and missing padding occur in the wild.
func decodeGETPath(path string) ([]byte, bool) {
	s := strings.TrimPrefix(path, "/")
	if s == "" || len(s) > base64.StdEncoding.EncodedLen(MaxRequestBytes) {
		return nil, false
	}
	s = strings.Map(func(c rune) rune {
		switch c {
		case ' ', '-':
			return '+'
		case '_':
			return '/'
		}
		return c
	}, s)
	der, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return der, err == nil
}

func notModified(req *http.Request, e *entry) bool {
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		for tag := range strings.SplitSeq(inm, ",") {
			if t := strings.TrimPrefix(strings.TrimSpace(tag), "W/"); t == e.etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims, err := http.ParseTime(req.Header.Get("If-Modified-Since")); err == nil {
		return !e.thisUpdate.Truncate(time.Second).After(ims)
	}
	return false
}

// writeError sends an unsigned OCSP error status. Only genuine server
// failures get a 5xx; a bad or foreign request is a normal OCSP answer.
func writeError(w http.ResponseWriter, status int) {
	httpStatus := http.StatusOK
	switch status {
	case statusInternalError:
		httpStatus = http.StatusInternalServerError
	case statusTryLater:
		httpStatus = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", contentTypeResponse)
	w.Header().Set("Cache-Control", "no-store")
	writeBody(w, httpStatus, errorResponses[status])
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
