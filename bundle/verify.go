package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Report is the outcome of Verify: OK only when every file of every
// version, every seal and every audit record checked out. Problems name
// the file (its path in the bundle) that failed.
type Report struct {
	Order       string          `json:"order"`
	OK          bool            `json:"ok"`
	RetainUntil time.Time       `json:"retainUntil"`
	Versions    []VersionReport `json:"versions"`
	Problems    []string        `json:"problems,omitempty"`
}

// VersionReport is one sealing's check.
type VersionReport struct {
	Version        int        `json:"version"`
	ManifestSHA256 string     `json:"manifestSha256"`
	Files          int        `json:"files"`
	FilesOK        int        `json:"filesOk"`
	CompletedAt    time.Time  `json:"completedAt,omitzero"`
	Seal           *SealCheck `json:"seal,omitempty"`
	AuditSeq       uint64     `json:"auditSeq"`
	AuditOK        bool       `json:"auditOk"`
}

// Verify decrypts every file of every version of the bundle and checks its
// hash against the manifest, the manifest's CAdES seal and time-stamp,
// and the manifest's hash in the audit log.
func (s *Service) Verify(ctx context.Context, orderNumber string) (*Report, error) {
	b, err := s.bundle(ctx, orderNumber)
	if err != nil {
		return nil, err
	}
	rep := &Report{Order: b.OrderNumber, RetainUntil: b.RetainUntil}
	problem := func(v int, format string, args ...any) {
		rep.Problems = append(rep.Problems, fmt.Sprintf("version %d: ", v)+fmt.Sprintf(format, args...))
	}
	root := s.d.Chain[len(s.d.Chain)-1]
	for _, v := range b.Versions {
		vr := VersionReport{Version: v.Version, ManifestSHA256: v.Manifest.SHA256, AuditSeq: v.AuditSeq}
		m, raw, err := s.manifest(ctx, v)
		if err != nil {
			problem(v.Version, "manifest.json: %v", describe(err))
			rep.Versions = append(rep.Versions, vr)
			continue
		}
		vr.Files, vr.CompletedAt = len(m.Files), m.CompletedAt
		if m.Order != b.OrderNumber || m.Version != v.Version {
			problem(v.Version, "manifest.json: names enrolment %s version %d", m.Order, m.Version)
		}
		for _, f := range m.Files {
			data, err := s.d.Files.Open(ctx, f.SHA256)
			switch {
			case err != nil:
				problem(v.Version, "%s: %v", f.Path, describe(err))
			case int64(len(data)) != f.Size:
				problem(v.Version, "%s: %d bytes, the manifest says %d", f.Path, len(data), f.Size)
			case sha256hex(data) != f.SHA256:
				problem(v.Version, "%s: its SHA-256 does not match the manifest", f.Path)
			default:
				vr.FilesOK++
			}
		}
		p7s, err := s.d.Files.Open(ctx, v.Seal.SHA256)
		if err != nil {
			problem(v.Version, "manifest.p7s: %v", describe(err))
		} else if vr.Seal, err = verifySeal(p7s, raw, root, s.d.Chain[:1]); err != nil {
			problem(v.Version, "manifest.p7s: %v", err)
		}
		if err := s.checkAudit(ctx, b.OrderNumber, v); err != nil {
			problem(v.Version, "audit record %d: %v", v.AuditSeq, err)
		} else {
			vr.AuditOK = true
		}
		rep.Versions = append(rep.Versions, vr)
	}
	rep.OK = len(rep.Problems) == 0
	outcome := "ok"
	if !rep.OK {
		outcome = "error"
	}
	audit.BestEffort(ctx, s.d.Audit, s.d.Log, audit.Event{Type: "evidence.verified", Outcome: outcome, Detail: map[string]string{
		"order": b.OrderNumber, "versions": itoa(len(b.Versions)), "problems": itoa(len(rep.Problems))}})
	return rep, nil
}

func (s *Service) bundle(ctx context.Context, orderNumber string) (*storage.EvidenceBundle, error) {
	if orderNumber == "" {
		return nil, errs.M(errs.InvalidRequest, msg.BundleOrderRequired)
	}
	b, err := s.d.Records.EvidenceBundle(ctx, orderNumber)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.NotFound, msg.BundleNotFound, orderNumber)
	}
	return b, err
}

// manifest opens and decodes one version's manifest.json.
func (s *Service) manifest(ctx context.Context, v storage.BundleVersion) (*Manifest, []byte, error) {
	raw, err := s.d.Files.Open(ctx, v.Manifest.SHA256)
	if err != nil {
		return nil, nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != ManifestFormat {
		return nil, nil, fmt.Errorf("not a bundle manifest")
	}
	return &m, raw, nil
}

// checkAudit finds the version's record in the audit log: intact, of
// the right kind, naming this order and manifest.
func (s *Service) checkAudit(ctx context.Context, order string, v storage.BundleVersion) error {
	rec, ok, err := s.d.AuditRecords.RecordAt(ctx, v.AuditSeq)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("not in the audit log")
	case rec.Type != "evidence.sealed" || rec.Detail["order"] != order:
		return fmt.Errorf("is not this bundle's seal")
	case rec.Detail["manifestSha256"] != v.Manifest.SHA256:
		return fmt.Errorf("names manifest %s, the index %s", rec.Detail["manifestSha256"], v.Manifest.SHA256)
	case rec.Detail["sealSha256"] != v.Seal.SHA256:
		return fmt.Errorf("names seal %s, the index %s", rec.Detail["sealSha256"], v.Seal.SHA256)
	}
	return nil
}

// describe says what is wrong with an evidence file in words an auditor
// reads: missing, or changed (it no longer decrypts or hashes).
func describe(err error) string {
	if errs.Is(err, errs.NotFound) {
		return "missing from the evidence store"
	}
	return "changed or unreadable (" + err.Error() + ")"
}
