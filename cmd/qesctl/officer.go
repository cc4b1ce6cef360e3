package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/officer"
	"github.com/qesproject/qes/operator"
)

// officerCreate is `qesctl operator create`: a registration officer of
// the console. The password comes from QES_PASSWORD, the prompt or one
// line of standard input; the authenticator's otpauth:// URI is printed
// once (enter it in the app, or turn it into a QR code offline).
func officerCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("operator create", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r officer.NewOfficer
	fs.StringVar(&r.User, "user", "", "login name: 3-32 lower-case letters, digits, . - _ (required)")
	fs.StringVar(&r.FullName, "name", "", "full name (required)")
	fs.StringVar(&r.TaxCode, "tax-code", "", "Italian tax code (codice fiscale) of the officer (required)")
	fs.StringVar(&r.Email, "email", "", "e-mail address (required)")
	fs.StringVar(&r.TrainedOn, "trained-on", "", "day of the officer's last training, YYYY-MM-DD (required)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = commandUsage(fs, "qesctl operator create --user U --name N --tax-code CF --email E --trained-on YYYY-MM-DD",
		"The password comes from QES_PASSWORD, else the prompt, else one line of standard input.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if r.User == "" || r.FullName == "" || r.TaxCode == "" || r.Email == "" || r.TrainedOn == "" {
		fs.Usage()
		return errors.New("--user, --name, --tax-code, --email and --trained-on are required")
	}
	var err error
	if r.Password, err = defaultSignIO().secret("", "QES_PASSWORD", "Password for officer "+r.User+": "); err != nil {
		return err
	}
	var res officer.Created
	if err := app.Call(ctx, *data, "officer/create", r, &res, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("officer %s created\nauthenticator (shown once; add it to the officer's app, then keep it nowhere else):\n%s\n", res.User, res.TOTPURI)
	return nil
}

// officerList is `qesctl operator list`.
func officerList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("operator list", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	asJSON := fs.Bool("json", false, "print the officers as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var list []officer.Summary
	if err := app.Call(ctx, *data, "officer/list", struct{}{}, &list, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(list)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USER\tNAME\tE-MAIL\tTRAINED ON\tMAY DECIDE")
	for _, o := range list {
		decide := "yes"
		switch {
		case o.Disabled:
			decide = "no (disabled)"
		case !o.TrainingValid:
			decide = "no (training over 12 months old)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", o.User, o.FullName, o.Email, o.TrainedOn, decide)
	}
	return w.Flush()
}

// officerTrained is `qesctl operator trained`.
func officerTrained(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("operator trained", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r operator.OfficerTrainedRequest
	fs.StringVar(&r.User, "user", "", "the officer's login name (required)")
	fs.StringVar(&r.On, "on", "", "day of the training, YYYY-MM-DD (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if r.User == "" || r.On == "" {
		fs.Usage()
		return errors.New("--user and --on are required")
	}
	var s officer.Summary
	if err := app.Call(ctx, *data, "officer/trained", r, &s, opener(*data)); err != nil {
		return err
	}
	fmt.Printf("officer %s trained on %s\n", s.User, s.TrainedOn)
	return nil
}

// officerDisable is `qesctl operator disable`.
func officerDisable(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("operator disable", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r operator.OfficerRequest
	fs.StringVar(&r.User, "user", "", "the officer's login name (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if r.User == "" {
		fs.Usage()
		return errors.New("--user is required")
	}
	var s officer.Summary
	if err := app.Call(ctx, *data, "officer/disable", r, &s, opener(*data)); err != nil {
		return err
	}
	fmt.Printf("officer %s disabled\n", s.User)
	return nil
}
