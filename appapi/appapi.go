// Package appapi is the JSON edge of the enrolment app under /api/v1/app
// (ENROLMENT.md 6.4): device-bound login, token refresh, the customer's
// enrolments, the identification session's steps up to completion, the
// contract and the certificate request.
// Every call after login carries "Authorization: DPoP <token>" and a DPoP
// proof; calls with a body are checked against the proof's body hash
// before the body is used. Each route bounds its body before reading it.
// Handlers decode, call one domain method, encode; errors are mapped once
// (errors.go) into the CSC shape {error, error_description}.
package appapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qesproject/qes/device"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/identity"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1/app"

// Route is one route the API serves, as a ServeMux pattern's parts.
type Route struct {
	Method, Path string
	limit        int64 // body bytes; 0: no body
	handle       func(*API, http.ResponseWriter, *http.Request)
	// query: the route reads a query (a DPoP proof's htu never covers
	// one, so only parameters that choose a representation qualify).
	query bool
}

// Body limits per route.
const (
	smallJSON = 16 << 10
	chipJSON  = 4 << 20 // every chip file base64-encoded (DG2 is at most a few hundred KB)
	photoBody = 5 << 20
	videoBody = 25 << 20
)

const ident = Prefix + "/enrolments/{id}/identification"

var routes = []Route{
	{"POST", Prefix + "/login", smallJSON, (*API).login, false},
	{"POST", Prefix + "/login/confirm", smallJSON, (*API).confirmLogin, false},
	{"POST", Prefix + "/token", smallJSON, (*API).token, false},
	{"GET", Prefix + "/enrolments", 0, (*API).enrolments, false},
	{"GET", Prefix + "/enrolments/{id}", 0, (*API).enrolment, false},
	{"POST", ident, smallJSON, (*API).startIdentification, false},
	{"PUT", ident + "/{sid}/photo/{side}", photoBody, (*API).photo, false},
	{"POST", ident + "/{sid}/chip", chipJSON, (*API).chip, false},
	{"POST", ident + "/{sid}/confirm", smallJSON, (*API).confirm, false},
	{"PUT", ident + "/{sid}/video", videoBody, (*API).video, false},
	{"POST", ident + "/{sid}/complete", smallJSON, (*API).complete, false},
	{"GET", Prefix + "/enrolments/{id}/contract", 0, (*API).contract, true},
	{"POST", Prefix + "/enrolments/{id}/request", smallJSON, (*API).request, false},
}

// Routes lists every route, for the composition root's mux and the
// contract test.
func Routes() []Route { return routes }

// Shop is the part of the enrolment the API calls (enrol.Service).
type Shop interface {
	Orders(ctx context.Context, customerID string) ([]*storage.Order, error)
	Order(ctx context.Context, customerID, number string) (*storage.Order, error)
	CurrentContract(ctx context.Context, customerID, number, lang string) (*enrol.Contract, error)
	RequestCertificate(ctx context.Context, customerID, number string, in enrol.RequestInput) (*storage.Order, error)
}

// Config holds the edge's settings.
type Config struct {
	// PublicURL is where clients reach qes (scheme, host, port): the htu
	// of a DPoP proof is checked against it and the request path, never
	// against the Host header.
	PublicURL string
}

// API is the enrolment app's HTTP edge.
type API struct {
	devices  *device.Service
	identity *identity.Service
	shop     Shop
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
}

// New builds the edge.
func New(devices *device.Service, ident *identity.Service, shop Shop, cfg Config, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	a := &API{devices: devices, identity: ident, shop: shop, cfg: cfg, log: log, mux: http.NewServeMux()}
	for _, r := range routes {
		a.mux.HandleFunc(r.Method+" "+r.Path, func(w http.ResponseWriter, req *http.Request) {
			if req.URL.RawQuery != "" && !r.query {
				writeError(w, req, a.log, errs.M(errs.InvalidRequest, msg.AppRouteUnknown))
				return
			}
			// The bound comes before any read (the handler reads through it).
			if r.limit == 0 {
				req.Body = http.MaxBytesReader(w, req.Body, 0)
			} else if req.ContentLength > r.limit {
				writeError(w, req, a.log, &tooLarge{r.limit})
				return
			} else {
				req.Body = http.MaxBytesReader(w, req.Body, r.limit)
			}
			r.handle(a, w, req)
		})
	}
	return a
}

// ServeHTTP implements http.Handler. A query is refused per route (New):
// a DPoP proof's htu does not cover one.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mux.ServeHTTP(w, r)
}

func (a *API) url(r *http.Request) string { return a.cfg.PublicURL + r.URL.EscapedPath() }

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &tooLarge{mbe.Limit}
	}
	if err != nil {
		return nil, errs.M(errs.InvalidRequest, msg.AppBodyInvalid, "the body could not be read")
	}
	return body, nil
}

// decode reads body strictly into v: one JSON value, no unknown members.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.M(errs.InvalidRequest, msg.AppBodyInvalid, jsonProblem(err))
	}
	if dec.More() {
		return errs.M(errs.InvalidRequest, msg.AppBodyInvalid, "data after the JSON value")
	}
	return nil
}

// jsonProblem says what was wrong without echoing the input.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return "wrong type for " + typeErr.Field
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown member " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF):
		return "empty body"
	}
	return "malformed JSON"
}

// authenticate checks the access token and the DPoP proof; with body
// true it then reads the body and checks it against the proof's bh.
// authenticatedJSON authenticates a DPoP-bound call and decodes its JSON
// body into in; false means it has answered already.
func (a *API) authenticatedJSON(w http.ResponseWriter, r *http.Request, in any) (*device.Principal, bool) {
	p, body, err := a.authenticate(r, true)
	if err == nil {
		err = decode(body, in)
	}
	if err != nil {
		writeError(w, r, a.log, err)
		return nil, false
	}
	return p, true
}

func (a *API) authenticate(r *http.Request, withBody bool) (*device.Principal, []byte, error) {
	p, err := a.devices.Authenticate(r.Context(), r.Header.Get("Authorization"), device.Proof{
		Headers: r.Header.Values("DPoP"), Method: r.Method, URL: a.url(r)})
	if err != nil {
		return nil, nil, err
	}
	if !withBody {
		return p, nil, nil
	}
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	if err := p.CheckBody(body); err != nil {
		return nil, nil, err
	}
	return p, body, nil
}

// --- login

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	body, err := readBody(r)
	if err == nil {
		err = decode(body, &in)
	}
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	out, err := a.devices.Login(r.Context(), in.Email, in.Password, clientIP(r))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"loginID": out.LoginID, "maskedPhone": out.MaskedPhone})
}

type tokensOut struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	DeviceID     string `json:"deviceID"`
}

func tokens(t *device.Tokens) tokensOut {
	return tokensOut{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: "DPoP", ExpiresIn: t.ExpiresIn, DeviceID: t.DeviceID}
}

func (a *API) confirmLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		LoginID string `json:"loginID"`
		OTP     string `json:"otp"`
		Device  struct {
			Name        string          `json:"name"`
			Platform    string          `json:"platform"`
			JWK         json.RawMessage `json:"jwk"`
			Attestation []byte          `json:"attestation,omitempty"`
		} `json:"device"`
	}
	body, err := readBody(r)
	if err == nil {
		err = decode(body, &in)
	}
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	out, err := a.devices.Confirm(r.Context(), in.LoginID, in.OTP, device.Registration{Name: in.Device.Name, Platform: in.Device.Platform,
		JWK: in.Device.JWK, Attestation: in.Device.Attestation}, clientIP(r))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, tokens(out))
}

func (a *API) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RefreshToken string `json:"refreshToken"`
	}
	body, err := readBody(r)
	if err == nil {
		err = decode(body, &in)
	}
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	out, err := a.devices.Refresh(r.Context(), in.RefreshToken, device.Proof{Headers: r.Header.Values("DPoP"), Method: r.Method, URL: a.url(r)}, body)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, tokens(out))
}

// --- enrolments

// nextStep tells the app what the applicant does next in each state.
var nextStep = map[string]string{
	"ordered": "payment", "paid": "details", "details_submitted": "identification", "identifying": "identification",
	"retry_required": "identification", "identified": "contract", "requested": "review", "approved": "issuance", "rejected": "none", "failed": "none",
	"issued": "activation", "active": "none", "expired": "none",
}

type enrolmentOut struct {
	ID           string             `json:"id"`
	OrderNumber  string             `json:"orderNumber"`
	UserID       string             `json:"userID,omitempty"`
	State        string             `json:"state"`
	NextStep     string             `json:"nextStep"`
	AttemptsUsed int                `json:"attemptsUsed"`
	IdentifiedAt *time.Time         `json:"identifiedAt,omitempty"`
	Session      *sessionSummaryOut `json:"identification,omitempty"`
}

type sessionSummaryOut struct {
	SessionID string    `json:"sessionID"`
	State     string    `json:"state"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func enrolmentOf(o *storage.Order) enrolmentOut {
	e := enrolmentOut{ID: o.Number, OrderNumber: o.Number, UserID: o.UserID, State: o.State, NextStep: nextStep[o.State], AttemptsUsed: o.AttemptsUsed}
	if e.NextStep == "" {
		e.NextStep = "none"
	}
	if !o.IdentifiedAt.IsZero() {
		at := o.IdentifiedAt
		e.IdentifiedAt = &at
	}
	return e
}

func (a *API) enrolments(w http.ResponseWriter, r *http.Request) {
	p, _, err := a.authenticate(r, false)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	orders, err := a.shop.Orders(r.Context(), p.CustomerID)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	out := make([]enrolmentOut, 0, len(orders))
	for _, o := range orders {
		out = append(out, enrolmentOf(o))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) enrolment(w http.ResponseWriter, r *http.Request) {
	p, _, err := a.authenticate(r, false)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	o, err := a.shop.Order(r.Context(), p.CustomerID, r.PathValue("id"))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	out := enrolmentOf(o)
	sessions, err := a.identity.Sessions(r.Context(), p.CustomerID, o.Number)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	if n := len(sessions); n > 0 {
		s := sessions[n-1]
		out.Session = &sessionSummaryOut{SessionID: s.ID, State: s.State, ExpiresAt: s.ExpiresAt}
	}
	writeJSON(w, http.StatusOK, out)
}

// --- identification

func (a *API) startIdentification(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Nationality  string `json:"nationality"`
		DocumentType string `json:"documentType"`
	}
	p, ok := a.authenticatedJSON(w, r, &in)
	if !ok {
		return
	}
	st, err := a.identity.Start(r.Context(), p.CustomerID, r.PathValue("id"), in.Nationality, in.DocumentType)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	s := st.Session
	writeJSON(w, http.StatusCreated, map[string]any{
		"sessionID": s.ID, "expiresAt": s.ExpiresAt, "aaChallenge": s.AAChallenge,
		"liveness":     map[string]any{"actions": s.Liveness.Actions, "code": s.Liveness.Digits},
		"attemptsLeft": st.AttemptsLeft,
	})
}

func refOut(ref storage.EvidenceRef) map[string]any {
	return map[string]any{"sha256": ref.SHA256, "mediaType": ref.MediaType, "size": ref.Size}
}

func (a *API) photo(w http.ResponseWriter, r *http.Request) {
	p, body, err := a.authenticate(r, true)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	ref, err := a.identity.PutPhoto(r.Context(), p.CustomerID, r.PathValue("id"), r.PathValue("sid"), r.PathValue("side"), body)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, refOut(ref))
}

func (a *API) video(w http.ResponseWriter, r *http.Request) {
	p, body, err := a.authenticate(r, true)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	ref, err := a.identity.PutVideo(r.Context(), p.CustomerID, r.PathValue("id"), r.PathValue("sid"), body)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, refOut(ref))
}

func (a *API) chip(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Access struct {
			Protocol       string `json:"protocol"`
			Password       string `json:"password"`
			DocumentNumber string `json:"documentNumber"`
			DateOfBirth    string `json:"dateOfBirth"`
			DateOfExpiry   string `json:"dateOfExpiry"`
		} `json:"access"`
		Files                map[string][]byte `json:"files"` // base64
		ActiveAuthentication *struct {
			Signature []byte `json:"signature"`
		} `json:"activeAuthentication,omitempty"`
		ChipAuthentication json.RawMessage `json:"chipAuthentication,omitempty"`
	}
	p, ok := a.authenticatedJSON(w, r, &in)
	if !ok {
		return
	}
	read := identity.ChipRead{Access: identity.Access(in.Access), Files: in.Files}
	if in.ActiveAuthentication != nil {
		read.AASignature = in.ActiveAuthentication.Signature
	}
	if len(in.ChipAuthentication) > 0 && string(in.ChipAuthentication) != "null" {
		read.ChipAuthentication = in.ChipAuthentication
	}
	res, err := a.identity.SubmitChip(r.Context(), p.CustomerID, r.PathValue("id"), r.PathValue("sid"), read)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	missing := res.Missing
	if missing == nil {
		missing = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": res.Document, "checks": res.Checks, "missing": missing, "attemptsLeft": res.AttemptsLeft})
}

func (a *API) confirm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Address string `json:"address,omitempty"`
		TaxCode string `json:"taxCode,omitempty"`
	}
	p, ok := a.authenticatedJSON(w, r, &in)
	if !ok {
		return
	}
	if err := a.identity.Confirm(r.Context(), p.CustomerID, r.PathValue("id"), r.PathValue("sid"), in.Address, in.TaxCode); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"state": storage.IdentificationChipOK})
}

func (a *API) complete(w http.ResponseWriter, r *http.Request) {
	p, _, err := a.authenticate(r, true)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	s, err := a.identity.Complete(r.Context(), p.CustomerID, r.PathValue("id"), r.PathValue("sid"))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": "identified", "levelOfProofing": s.LevelOfProofing, "completedAt": s.CompletedAt})
}

// --- the certificate request

// contract serves the current contract byte-exact, in the language the
// query asks for (it, en; the applicant's when absent), with its version
// and SHA-256: the request must carry that hash.
func (a *API) contract(w http.ResponseWriter, r *http.Request) {
	p, _, err := a.authenticate(r, false)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	q := r.URL.Query()
	for k := range q {
		if k != "lang" {
			writeError(w, r, a.log, errs.M(errs.InvalidRequest, msg.ContractLang))
			return
		}
	}
	c, err := a.shop.CurrentContract(r.Context(), p.CustomerID, r.PathValue("id"), q.Get("lang"))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(c.PDF)))
	h.Set("Content-Language", c.Lang)
	h.Set("Content-Disposition", `inline; filename="contract-`+c.Version+`-`+c.Lang+`.pdf"`)
	h.Set("X-Contract-Version", c.Version)
	h.Set("X-Contract-SHA256", c.SHA256)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(c.PDF)
}

// request is the applicant's certificate request: the contract's hash, the
// two flags and the envelope's passphrase. The passphrase goes to the
// domain and nowhere else: never logged, never echoed.
func (a *API) request(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ContractSHA256 string `json:"contractSHA256"`
		AcceptContract *bool  `json:"acceptContract"`
		ApproveClauses *bool  `json:"approveClauses"`
		Passphrase     string `json:"passphrase"`
	}
	p, ok := a.authenticatedJSON(w, r, &in)
	if !ok {
		return
	}
	o, err := a.shop.RequestCertificate(r.Context(), p.CustomerID, r.PathValue("id"), enrol.RequestInput{
		ContractSHA256: in.ContractSHA256, AcceptContract: in.AcceptContract, ApproveClauses: in.ApproveClauses,
		Passphrase: in.Passphrase, IP: clientIP(r), DeviceID: p.DeviceID, DeviceJKT: p.JKT,
	})
	in.Passphrase = ""
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"state": o.State, "nextStep": nextStep[o.State],
		"contractVersion": o.Request.ContractVersion, "envelopeNumber": o.Request.EnvelopeNumber})
}
