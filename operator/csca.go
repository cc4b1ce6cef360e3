package operator

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/trust"
)

// Trust is the CSCA trust store (trust.Service).
type Trust interface {
	ImportMasterList(ctx context.Context, ml, anchor []byte, countries []string) (*trust.Imported, error)
	ImportCertificate(ctx context.Context, der []byte) (*trust.Imported, error)
	ImportCRL(ctx context.Context, der []byte) (*storage.CSCACRL, error)
	List(ctx context.Context, country string) (*trust.Listing, error)
}

// CSCAImportRequest is `qesctl csca import`: a master list with the anchor
// that verifies it (and an optional country allow-list), or one certificate.
type CSCAImportRequest struct {
	MasterList  []byte   `json:"masterList,omitempty"`
	Anchor      []byte   `json:"anchor,omitempty"`
	Countries   []string `json:"countries,omitempty"`
	Certificate []byte   `json:"certificate,omitempty"`
}

// CRLImportRequest is `qesctl csca crl import`.
type CRLImportRequest struct {
	CRL []byte `json:"crl"`
}

// CSCAListRequest is `qesctl csca list`.
type CSCAListRequest struct {
	Country string `json:"country,omitempty"`
}

// ImportCSCA is `qesctl csca import`.
func (s *Service) ImportCSCA(ctx context.Context, r CSCAImportRequest) (*trust.Imported, error) {
	switch {
	case len(r.MasterList) > 0 && len(r.Certificate) == 0:
		if len(r.Anchor) == 0 {
			return nil, errs.M(errs.InvalidRequest, msg.TrustAnchor, "none given (--anchor)")
		}
		return s.Trust.ImportMasterList(ctx, r.MasterList, r.Anchor, r.Countries)
	case len(r.Certificate) > 0 && len(r.MasterList) == 0:
		return s.Trust.ImportCertificate(ctx, r.Certificate)
	default:
		return nil, errs.M(errs.InvalidRequest, msg.TrustImportWhat)
	}
}

// ImportCSCACRL is `qesctl csca crl import`.
func (s *Service) ImportCSCACRL(ctx context.Context, r CRLImportRequest) (*storage.CSCACRL, error) {
	crl, err := s.Trust.ImportCRL(ctx, r.CRL)
	if crl != nil {
		crl.DER = nil
	}
	return crl, err
}

// ListCSCAs is `qesctl csca list`.
func (s *Service) ListCSCAs(ctx context.Context, r CSCAListRequest) (*trust.Listing, error) {
	return s.Trust.List(ctx, r.Country)
}
