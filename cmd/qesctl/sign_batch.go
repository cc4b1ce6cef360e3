package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/pades"
)

// document is one input file on its way through the batch.
type document struct {
	in, out  string
	file     *os.File
	prepared *pades.Prepared
}

// plannedOutputs maps inputs to outputs and refuses collisions before
// anything is signed.
func plannedOutputs(o *signOptions) ([]*document, error) {
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	seen := map[string]string{}
	var docs []*document
	for _, in := range o.files {
		absIn, err := filepath.Abs(in)
		if err != nil {
			return nil, err
		}
		out, err := filepath.Abs(filepath.Join(o.outDir, filepath.Base(in)))
		if err != nil {
			return nil, err
		}
		switch {
		case out == absIn:
			return nil, fmt.Errorf("%s: the output would overwrite the input; choose another -o directory", in)
		case seen[out] != "":
			return nil, fmt.Errorf("%s and %s would both be written to %s", seen[out], in, out)
		}
		if _, err := os.Stat(out); err == nil && !o.force {
			return nil, fmt.Errorf("%s exists; use --force to overwrite it", out)
		}
		seen[out] = in
		docs = append(docs, &document{in: in, out: out})
	}
	return docs, nil
}

// prepareAll opens and prepares every file; any bad file stops the batch
// before the holder is asked to authorize anything.
func prepareAll(ctx context.Context, docs []*document, chain []*x509.Certificate, opts pades.Options) error {
	var problems []string
	for _, d := range docs {
		f, err := os.Open(d.in)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", d.in, err))
			continue
		}
		d.file = f
		st, err := f.Stat()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", d.in, err))
			continue
		}
		if !st.Mode().IsRegular() {
			problems = append(problems, fmt.Sprintf("%s: not a regular file", d.in))
			continue
		}
		if d.prepared, err = pades.Prepare(ctx, f, st.Size(), chain, opts); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", d.in, explain(err)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("nothing was signed:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// finishAll completes every signature into its output file. Completion can
// be retried with the same signature value (e.g. the TSA hiccups); the
// holder's key is never asked again.
func finishAll(ctx context.Context, docs []*document, sigs [][]byte, sio signIO) error {
	bar := &progress{w: sio.stderr, tty: sio.tty, total: len(docs)}
	var failed []string
	for i, d := range docs {
		var err error
		for attempt := 0; attempt < 3; attempt++ {
			if attempt > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Duration(attempt) * time.Second):
				}
			}
			if err = finishOne(ctx, d, sigs[i]); err == nil || errs.KindOf(err) != errs.Unavailable {
				break
			}
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %s", d.in, explain(err)))
		}
		bar.step(d.in)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d file(s) could not be completed (their signatures were made and are lost):\n  %s",
			len(failed), len(docs), strings.Join(failed, "\n  "))
	}
	fmt.Fprintf(sio.stderr, "signed %d file(s) into %s\n", len(docs), filepath.Dir(docs[0].out))
	return nil
}

// finishOne writes the signed file next to its destination and renames it
// into place only when it is complete.
func finishOne(ctx context.Context, d *document, sig []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(d.out), ".qesctl-*.pdf")
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := d.prepared.Finish(ctx, tmp, sig); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", d.out, err)
	}
	return os.Rename(tmp.Name(), d.out)
}
