package bundle

import (
	"archive/zip"
	"context"
	"io"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
)

// Exported says what Export wrote.
type Exported struct {
	Order   string `json:"order"`
	Version int    `json:"version"`
	Files   int    `json:"files"` // the manifest's, plus manifest.json and manifest.p7s
	Bytes   int64  `json:"bytes"`
}

// Export writes the latest version of the bundle as a ZIP for an auditor:
// every file decrypted at its manifest path, manifest.json and
// manifest.p7s (which `openssl cms -verify -binary -content manifest.json
// -inform DER` checks against qes's root). A file that no longer matches
// its hash stops the export: Verify says which.
func (s *Service) Export(ctx context.Context, orderNumber string, w io.Writer) (*Exported, error) {
	b, err := s.bundle(ctx, orderNumber)
	if err != nil {
		return nil, err
	}
	v := b.Versions[len(b.Versions)-1]
	m, raw, err := s.manifest(ctx, v)
	if err != nil {
		return nil, errs.Internalf(err, "manifest of %s", orderNumber)
	}
	p7s, err := s.d.Files.Open(ctx, v.Seal.SHA256)
	if err != nil {
		return nil, errs.Internalf(err, "seal of %s", orderNumber)
	}
	cw := &countingWriter{w: w}
	zw := zip.NewWriter(cw)
	add := func(path string, data []byte, at time.Time) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: at})
		if err != nil {
			return err
		}
		_, err = fw.Write(data)
		return err
	}
	out := &Exported{Order: b.OrderNumber, Version: v.Version}
	for _, f := range m.Files {
		// Open re-hashes: what is written is what the manifest names.
		data, err := s.d.Files.Open(ctx, f.SHA256)
		if err != nil {
			return nil, errs.Internalf(err, "%s of %s", f.Path, orderNumber)
		}
		if err := add(f.Path, data, v.SealedAt); err != nil {
			return nil, errs.Internalf(err, "write %s", f.Path)
		}
		out.Files++
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{"manifest.json", raw}, {"manifest.p7s", p7s}} {
		if err := add(f.path, f.data, v.SealedAt); err != nil {
			return nil, errs.Internalf(err, "write %s", f.path)
		}
		out.Files++
	}
	if err := zw.Close(); err != nil {
		return nil, errs.Internalf(err, "finish the ZIP")
	}
	out.Bytes = cw.n
	audit.BestEffort(ctx, s.d.Audit, s.d.Log, audit.Event{Type: "evidence.exported", Outcome: "ok", Detail: map[string]string{
		"order": b.OrderNumber, "version": itoa(v.Version), "files": itoa(out.Files)}})
	return out, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
