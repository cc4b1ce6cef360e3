package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/operator"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/trust"
)

// maxTrustFile bounds what qesctl reads for the trust store: master lists
// are about 1 MB; a larger file is not one.
const maxTrustFile = 8 << 20

func readTrustFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxTrustFile {
		return nil, fmt.Errorf("%s: %d bytes, more than a master list, certificate or CRL can be (%d)", path, st.Size(), maxTrustFile)
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && st.Size() > 0 {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// cscaImport is `qesctl csca import --masterlist FILE --anchor CERT [--country IT,DE]`
// or `qesctl csca import --cert FILE`.
func cscaImport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("csca import", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	ml := fs.String("masterlist", "", "a CSCA master list (CMS, .ml) to verify and import")
	anchor := fs.String("anchor", "", "the certificate (DER) of the CSCA that signs the master list's signer")
	countries := fs.String("country", "", "import only these countries' CSCAs (ISO alpha-2, comma separated)")
	cert := fs.String("cert", "", "one CSCA or link certificate (DER) to import")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var req operator.CSCAImportRequest
	var err error
	switch {
	case *ml != "" && *cert == "":
		if *anchor == "" {
			return errors.New("--masterlist needs --anchor: the certificate that makes the list trusted")
		}
		if req.MasterList, err = readTrustFile(*ml); err != nil {
			return err
		}
		if req.Anchor, err = readTrustFile(*anchor); err != nil {
			return err
		}
		if *countries != "" {
			req.Countries = strings.Split(*countries, ",")
		}
	case *cert != "" && *ml == "":
		if req.Certificate, err = readTrustFile(*cert); err != nil {
			return err
		}
	default:
		fs.Usage()
		return errors.New("give either --masterlist FILE --anchor CERT or --cert FILE")
	}
	var out trust.Imported
	if err := app.Call(ctx, *data, "csca/import", req, &out, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(out)
	}
	if out.Signer != "" {
		fmt.Printf("master list %s verified, signed by %s\n", out.SHA256, out.Signer)
	}
	countriesSeen := map[string]bool{}
	for c := range out.Added {
		countriesSeen[c] = true
	}
	for c := range out.Known {
		countriesSeen[c] = true
	}
	keys := make([]string, 0, len(countriesSeen))
	for c := range countriesSeen {
		keys = append(keys, c)
	}
	slices.Sort(keys)
	for _, c := range keys {
		fmt.Printf("%s\t%d added\t%d already trusted\n", c, out.Added[c], out.Known[c])
	}
	if out.Skipped > 0 || out.OutsideAllowList > 0 {
		fmt.Printf("skipped: %d unreadable, %d outside --country\n", out.Skipped, out.OutsideAllowList)
	}
	return nil
}

// cscaCRLImport is `qesctl csca crl import FILE`.
func cscaCRLImport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("csca crl import", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give one CRL file (DER), e.g. CRL_CSCA.crl")
	}
	der, err := readTrustFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var out storage.CSCACRL
	if err := app.Call(ctx, *data, "csca/crl", operator.CRLImportRequest{CRL: der}, &out, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(out)
	}
	fmt.Printf("CRL of %s (%s) kept: thisUpdate %s, nextUpdate %s, %d revoked\n", out.Issuer, out.Country,
		out.ThisUpdate.UTC().Format(time.RFC3339), out.NextUpdate.UTC().Format(time.RFC3339), out.Revoked)
	return nil
}

// cscaList is `qesctl csca list [--country IT]`.
func cscaList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("csca list", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	country := fs.String("country", "", "only this country (ISO alpha-2)")
	asJSON := fs.Bool("json", false, "print as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var out trust.Listing
	if err := app.Call(ctx, *data, "csca/list", operator.CSCAListRequest{Country: *country}, &out, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(out)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "COUNTRY\tSUBJECT\tNOT AFTER\tSHA-256")
	for _, c := range out.CSCAs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.Country, c.Subject, c.NotAfter.UTC().Format("2006-01-02"), c.SHA256[:16])
	}
	for _, c := range out.CRLs {
		fmt.Fprintf(w, "%s\tCRL %s\tnext %s\t%s\n", c.Country, c.Issuer, c.NextUpdate.UTC().Format("2006-01-02"), c.SHA256[:16])
	}
	return w.Flush()
}
