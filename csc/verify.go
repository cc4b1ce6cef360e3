package csc

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/verify"
)

// VerifyConfig is the trust POST /api/v1/verify checks signatures
// against: the CA hierarchy the server runs and its certificate register.
type VerifyConfig struct {
	// Roots and Intermediates: qes's own root and issuing CA.
	Roots         []*x509.Certificate
	Intermediates []*x509.Certificate
	// Status answers a certificate's status at signing time from the
	// server's register when the file embeds none.
	Status verify.StatusSource
	// MaxBody bounds the request body, checked before it is decoded
	// (default DefaultVerifyMaxBody).
	MaxBody int64
	// Now is the time of a signature with neither signing time nor
	// time-stamp (default time.Now).
	Now func() time.Time
}

// DefaultVerifyMaxBody is the default bound of a verify request: base64
// of a document and a signature of about 12 MiB together.
const DefaultVerifyMaxBody = 16 << 20

type verifyRequest struct {
	Document  string `json:"document" validate:"required"`
	Signature string `json:"signature"`
	Extract   bool   `json:"extract"`
}

type verifyResponse struct {
	Valid      bool              `json:"valid"`
	Detached   bool              `json:"detached"`
	Signatures []verifySignature `json:"signatures"`
	Problems   []string          `json:"problems"`
	Notes      []string          `json:"notes,omitempty"`
	Document   string            `json:"document,omitempty"`
}

type verifySignature struct {
	Layer             int                `json:"layer"`
	Label             string             `json:"label"`
	Signer            verifySigner       `json:"signer"`
	SigningTime       string             `json:"signingTime,omitempty"`
	TimeStamp         string             `json:"timeStamp,omitempty"`
	TimeStampChecked  bool               `json:"timeStampChecked"`
	ArchiveTimeStamp  string             `json:"archiveTimeStamp,omitempty"`
	ArchiveStatus     string             `json:"archiveTimeStampStatus,omitempty"`
	Level             string             `json:"level,omitempty"`
	ContentIntact     bool               `json:"contentIntact"`
	SignatureValid    bool               `json:"signatureValid"`
	Chain             string             `json:"chain"`
	CertificateStatus verifyStatusReport `json:"certificateStatus"`
	Problem           string             `json:"problem,omitempty"`
	Certification     int                `json:"certification,omitempty"`
	Permission        string             `json:"permission,omitempty"`
	LaterChanges      string             `json:"laterChanges,omitempty"`
}

type verifySigner struct {
	Subject      string `json:"subject,omitempty"`
	CommonName   string `json:"commonName,omitempty"`
	TaxCode      string `json:"taxCode,omitempty"`
	Issuer       string `json:"issuer,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"`
}

type verifyStatusReport struct {
	Status    string `json:"status"`
	Source    string `json:"source,omitempty"`
	RevokedAt string `json:"revokedAt,omitempty"`
}

// verifyHandler serves POST /api/v1/verify: decode, verify.Verify, encode.
func (m *management) verify(c *echo.Context) error {
	cfg := m.cfg.Verify
	var req verifyRequest
	if err := bind(c.Request(), &req, cfg.MaxBody); err != nil {
		return err
	}
	doc, err := base64.StdEncoding.DecodeString(req.Document)
	if err != nil {
		return errs.M(errs.InvalidRequest, msg.InvalidBase64, "document")
	}
	signed, detached := doc, []byte(nil)
	if req.Signature != "" {
		sig, err := base64.StdEncoding.DecodeString(req.Signature)
		if err != nil {
			return errs.M(errs.InvalidRequest, msg.InvalidBase64, "signature")
		}
		signed, detached = sig, doc
	}
	roots := x509.NewCertPool()
	for _, r := range cfg.Roots {
		roots.AddCert(r)
	}
	rep, err := verify.Verify(c.Request().Context(), signed, detached, verify.Options{
		Roots: roots, Intermediates: cfg.Intermediates, Status: cfg.Status, Now: cfg.Now(),
	})
	if err != nil {
		return verifyError(err, req.Signature != "")
	}
	return c.JSON(http.StatusOK, renderVerify(rep, req.Extract))
}

// verifyError maps verify's input errors once; every other error of
// Verify is an unreadable file, never a 500.
func verifyError(err error, detached bool) error {
	field := "document"
	if detached {
		field = "signature"
	}
	var missing *verify.MissingContentError
	switch {
	case errors.Is(err, verify.ErrTooLarge):
		return errs.M(errs.InvalidRequest, msg.VerifyTooLarge, verify.MaxInput)
	case errors.Is(err, verify.ErrTooDeep):
		return errs.M(errs.InvalidRequest, msg.VerifyTooDeep, verify.MaxDepth)
	case errors.As(err, &missing):
		// A detached XAdES signature sent alone: content not given, and
		// the file its reference names, so the caller knows what to send.
		return errs.M(errs.InvalidRequest, msg.VerifyDetachedXAdES, missing.URI)
	case errors.Is(err, verify.ErrNoContent):
		return errs.M(errs.InvalidRequest, msg.VerifyDetached)
	case errors.Is(err, verify.ErrNotXAdES):
		// XAdES: the reason (a DTD, not well-formed, no ds:Signature) helps.
		return errs.M(errs.InvalidRequest, msg.VerifyNotXAdES, field, err.Error())
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.Internal {
		return err
	}
	return errs.M(errs.InvalidRequest, msg.VerifyNotSigned, field)
}

func renderVerify(rep *verify.Report, extract bool) verifyResponse {
	out := verifyResponse{Valid: rep.Valid, Detached: rep.Detached, Signatures: []verifySignature{}, Problems: rep.Problems, Notes: rep.Notes}
	if out.Problems == nil {
		out.Problems = []string{}
	}
	for _, s := range rep.Signers {
		out.Signatures = append(out.Signatures, verifySignature{
			Layer: s.Layer, Label: s.Label,
			Signer:      verifySigner{Subject: s.Subject, CommonName: s.CommonName, TaxCode: s.TaxCode, Issuer: s.Issuer, SerialNumber: s.Serial},
			SigningTime: rfc3339(s.SigningTime), TimeStamp: rfc3339(s.TimeStamp), TimeStampChecked: s.TimeStampChecked,
			ArchiveTimeStamp: rfc3339(s.ArchiveTimeStamp), ArchiveStatus: s.ArchiveTimeStampStatus,
			Level: s.Level, ContentIntact: s.ContentIntact, SignatureValid: s.SignatureValid, Chain: s.Chain,
			CertificateStatus: verifyStatusReport{Status: s.Status.Status, Source: s.Status.Source, RevokedAt: rfc3339(s.Status.RevokedAt)},
			Problem:           s.Problem,
			Certification:     s.Certification, Permission: s.Permission, LaterChanges: s.LaterChanges,
		})
	}
	if extract && rep.Valid && rep.Content != nil {
		out.Document = base64.StdEncoding.EncodeToString(rep.Content)
	}
	return out
}
