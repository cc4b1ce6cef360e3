package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/operator"
)

// certCommand runs `qesctl cert <action>` as the operator.
func certCommand(ctx context.Context, action string, args []string) error {
	fs := flag.NewFlagSet("cert "+action, flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r operator.CertRequest
	fs.StringVar(&r.UserID, "user", "", "holder's user ID (required)")
	fs.StringVar(&r.CredentialID, "credential", "", "credential ID (required)")
	switch action {
	case "suspend":
		fs.StringVar(&r.Reason, "reason", "", "why (free text for the audit log; the CRL reason is always certificateHold)")
	case "revoke":
		fs.StringVar(&r.Reason, "reason", "unspecified", "CRL reason: unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn")
		fs.StringVar(&r.Note, "note", "", "why (free text for the audit log)")
	case "reactivate", "renew":
		fs.StringVar(&r.Note, "note", "", "why (free text for the audit log)")
	}
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if r.UserID == "" || r.CredentialID == "" {
		fs.Usage()
		return errors.New("--user and --credential are required")
	}
	if u, err := user.Current(); err == nil {
		r.Operator = u.Username
	}
	var res operator.CertResult
	if err := app.Call(ctx, *data, "cert/"+action, r, &res, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("credential %s of %s: certificate %s is %s", res.CredentialID, res.UserID, res.SerialNumber, res.Status)
	if res.Reason != "" {
		fmt.Printf(" (%s)", res.Reason)
	}
	fmt.Printf("; key %s\n", res.KeyStatus)
	if !res.SuspensionEnds.IsZero() {
		fmt.Printf("unless reactivated, it will be revoked on %s\n", res.SuspensionEnds.UTC().Format(time.RFC3339))
	}
	return nil
}
