package operator

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Evidence is the enrolments' evidence bundles (bundle.Service).
type Evidence interface {
	Seal(ctx context.Context, orderNumber string) (*bundle.Sealed, error)
	Verify(ctx context.Context, orderNumber string) (*bundle.Report, error)
	Export(ctx context.Context, orderNumber string, w io.Writer) (*bundle.Exported, error)
	Purge(ctx context.Context, dryRun bool) (*bundle.PurgeReport, error)
}

// EvidenceRequest is `qesctl evidence seal|verify ORDER`.
type EvidenceRequest struct {
	Order string `json:"order"`
}

// EvidenceExportRequest is `qesctl evidence export ORDER -o FILE.zip`.
// Path is absolute: qesd, which writes it, runs elsewhere than qesctl's
// working directory (the admin socket's user is the operator either way).
type EvidenceExportRequest struct {
	Order string `json:"order"`
	Path  string `json:"path"`
}

// EvidencePurgeRequest is `qesctl evidence purge [--dry-run]`.
type EvidencePurgeRequest struct {
	DryRun bool `json:"dryRun"`
}

// SealEvidence seals (again) an enrolment's evidence bundle.
func (s *Service) SealEvidence(ctx context.Context, r EvidenceRequest) (*bundle.Sealed, error) {
	return s.Evidence.Seal(ctx, r.Order)
}

// VerifyEvidence checks a bundle; the report says what failed, by file.
func (s *Service) VerifyEvidence(ctx context.Context, r EvidenceRequest) (*bundle.Report, error) {
	return s.Evidence.Verify(ctx, r.Order)
}

// ExportEvidence writes the bundle as a ZIP to a new file (never over an
// existing one), mode 0600: it holds personal data in clear.
func (s *Service) ExportEvidence(ctx context.Context, r EvidenceExportRequest) (*bundle.Exported, error) {
	if !filepath.IsAbs(r.Path) || !strings.HasSuffix(strings.ToLower(r.Path), ".zip") {
		return nil, errs.M(errs.InvalidRequest, msg.BundleExportPath)
	}
	f, err := os.OpenFile(r.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if os.IsExist(err) {
		return nil, errs.M(errs.Conflict, msg.BundleExportExists, r.Path)
	}
	if err != nil {
		return nil, errs.Internalf(err, "create %s", r.Path)
	}
	out, err := s.Evidence.Export(ctx, r.Order, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = errs.Internalf(cerr, "close %s", r.Path)
	}
	if err != nil {
		_ = os.Remove(r.Path) // half a ZIP is no export
		return nil, err
	}
	return out, nil
}

// PurgeEvidence deletes what retention no longer requires.
func (s *Service) PurgeEvidence(ctx context.Context, r EvidencePurgeRequest) (*bundle.PurgeReport, error) {
	return s.Evidence.Purge(ctx, r.DryRun)
}
