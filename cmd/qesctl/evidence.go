package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/operator"
)

// parseWithOrder parses a command's flags around its one positional
// argument, the order number: flags may come before or after it.
func parseWithOrder(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return "", errors.New("the order number is required")
	}
	order := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return "", fmt.Errorf("unexpected %q: one order number only", fs.Arg(0))
	}
	return order, nil
}

// evidenceSeal is `qesctl evidence seal ORDER`.
func evidenceSeal(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("evidence seal", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = commandUsage(fs, "qesctl evidence seal ORDER", "Seals the enrolment's evidence bundle again (a new manifest version; older ones are kept).")
	order, err := parseWithOrder(fs, args)
	if err != nil {
		return err
	}
	var res bundle.Sealed
	if err := app.Call(ctx, *data, "evidence/seal", operator.EvidenceRequest{Order: order}, &res, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("evidence bundle of %s sealed: version %d, %d files, manifest %s, audit record %d, kept until %s\n",
		res.Order, res.Version, res.Files, res.ManifestSHA256, res.AuditSeq, res.RetainUntil.UTC().Format(time.DateOnly))
	return nil
}

// evidenceVerify is `qesctl evidence verify ORDER`: exit status 1 when
// anything fails, with the failing files named.
func evidenceVerify(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("evidence verify", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = commandUsage(fs, "qesctl evidence verify ORDER",
		"Decrypts every file of every version of the bundle, checks its SHA-256 against the manifest, the manifest's\nCAdES seal and time-stamp, and the manifest's hash in the audit log. Exit status 1 on any failure.")
	order, err := parseWithOrder(fs, args)
	if err != nil {
		return err
	}
	var rep bundle.Report
	if err := app.Call(ctx, *data, "evidence/verify", operator.EvidenceRequest{Order: order}, &rep, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
			return err
		}
	} else {
		for _, v := range rep.Versions {
			fmt.Printf("version %d: %d/%d files intact, manifest %s", v.Version, v.FilesOK, v.Files, v.ManifestSHA256)
			if v.Seal != nil {
				fmt.Printf(", sealed by %q, time-stamped %s", v.Seal.Signer, v.Seal.TimestampTime.UTC().Format(time.RFC3339))
			}
			if v.AuditOK {
				fmt.Printf(", audit record %d", v.AuditSeq)
			}
			fmt.Println()
		}
		for _, p := range rep.Problems {
			fmt.Println("FAIL", p)
		}
	}
	if !rep.OK {
		return fmt.Errorf("the evidence bundle of %s failed verification: %s", order, strings.Join(rep.Problems, "; "))
	}
	if !*asJSON {
		fmt.Printf("evidence bundle of %s verified (kept until %s)\n", order, rep.RetainUntil.UTC().Format(time.DateOnly))
	}
	return nil
}

// evidenceExport is `qesctl evidence export ORDER -o FILE.zip`.
func evidenceExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("evidence export", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	out := fs.String("o", "", "the ZIP file to write (must not exist; required)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = commandUsage(fs, "qesctl evidence export ORDER -o FILE.zip",
		"Writes the latest version of the bundle, decrypted, with manifest.json and manifest.p7s, for an auditor.")
	order, err := parseWithOrder(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("-o FILE.zip is required")
	}
	path, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	var res bundle.Exported
	if err := app.Call(ctx, *data, "evidence/export", operator.EvidenceExportRequest{Order: order, Path: path}, &res, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("evidence bundle of %s (version %d) exported to %s: %d files, %d bytes\n", res.Order, res.Version, path, res.Files, res.Bytes)
	return nil
}

// evidencePurge is `qesctl evidence purge [--dry-run]`.
func evidencePurge(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("evidence purge", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	dry := fs.Bool("dry-run", false, "say what would be deleted, delete nothing")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = commandUsage(fs, "qesctl evidence purge [--dry-run]",
		"Deletes the bundles whose retention ended with their evidence files, and the evidence of failed\nidentification attempts past their retention; every deletion is audited.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rep bundle.PurgeReport
	if err := app.Call(ctx, *data, "evidence/purge", operator.EvidencePurgeRequest{DryRun: *dry}, &rep, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(rep)
	}
	verb := "deleted"
	if rep.DryRun {
		verb = "would delete"
	}
	for _, o := range rep.Bundles {
		fmt.Println("bundle", o)
	}
	for _, s := range rep.Sessions {
		fmt.Println("failed identification", s)
	}
	fmt.Printf("%s %d bundles, %d failed identifications, %d evidence files (%d kept: still retained elsewhere)\n",
		verb, len(rep.Bundles), len(rep.Sessions), rep.Files, rep.Shared)
	return nil
}
