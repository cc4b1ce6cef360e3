package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/operator"
	"github.com/qesproject/qes/storage"
)

// parseDay reads an RFC 3339 time or a day (YYYY-MM-DD, midnight UTC).
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t, nil
}

// parseMoney reads "10" or "10.50" (currency units) as cents.
func parseMoney(s string) (int64, error) {
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || f < 0 || f > 1e9 {
		return 0, fmt.Errorf("amount %q: want a number such as 10 or 10.50", s)
	}
	return int64(math.Round(f * 100)), nil
}

// couponCreate is `qesctl coupon create`.
func couponCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("coupon create", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	code := fs.String("code", "", "coupon code: letters, digits, - and _ (required)")
	percent := fs.Float64("percent", 0, "discount in percent of the net price, e.g. 10")
	amount := fs.String("amount", "", "discount as an amount in currency units, e.g. 10.50")
	from := fs.String("from", "", "valid from (YYYY-MM-DD or RFC 3339; default now)")
	until := fs.String("until", "", "valid until, exclusive (YYYY-MM-DD or RFC 3339; default no end)")
	maxUses := fs.Int("max-uses", 0, "how many orders may use it (0: no limit)")
	asJSON := fs.Bool("json", false, "print the coupon as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec := enrol.CouponSpec{Code: *code, PercentBP: int(math.Round(*percent * 100)), MaxUses: *maxUses}
	if *amount != "" {
		var err error
		if spec.AmountCents, err = parseMoney(*amount); err != nil {
			return err
		}
	}
	if *code == "" || (*percent == 0) == (*amount == "") {
		fs.Usage()
		return errors.New("--code and exactly one of --percent and --amount are required")
	}
	var err error
	if spec.ValidFrom, err = parseDay(*from); err != nil {
		return err
	}
	if spec.ValidUntil, err = parseDay(*until); err != nil {
		return err
	}
	var c storage.Coupon
	if err := app.Call(ctx, *data, "coupon/create", spec, &c, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(c)
	}
	fmt.Printf("coupon %s created: %s\n", c.Code, couponTerms(&c))
	return nil
}

func couponTerms(c *storage.Coupon) string {
	var b strings.Builder
	if c.PercentBP > 0 {
		fmt.Fprintf(&b, "%s off", enrol.FormatPercent(c.PercentBP, "en"))
	} else {
		fmt.Fprintf(&b, "%s off", enrol.FormatCents(c.AmountCents, "en"))
	}
	if !c.ValidFrom.IsZero() {
		fmt.Fprintf(&b, ", from %s", c.ValidFrom.UTC().Format(time.RFC3339))
	}
	if !c.ValidUntil.IsZero() {
		fmt.Fprintf(&b, ", until %s", c.ValidUntil.UTC().Format(time.RFC3339))
	}
	if c.MaxUses > 0 {
		fmt.Fprintf(&b, ", used %d of %d", c.Uses, c.MaxUses)
	} else {
		fmt.Fprintf(&b, ", used %d", c.Uses)
	}
	return b.String()
}

// couponList is `qesctl coupon list`.
func couponList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("coupon list", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	asJSON := fs.Bool("json", false, "print the coupons as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cs []*storage.Coupon
	if err := app.Call(ctx, *data, "coupon/list", struct{}{}, &cs, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(cs)
	}
	for _, c := range cs {
		fmt.Printf("%s\t%s\n", c.Code, couponTerms(c))
	}
	return nil
}

// enrolList is `qesctl enrol list`.
func enrolList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("enrol list", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	asJSON := fs.Bool("json", false, "print the enrolments as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var orders []enrol.OrderSummary
	if err := app.Call(ctx, *data, "enrol/list", struct{}{}, &orders, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(orders)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ORDER\tSTATE\tUSERID\tE-MAIL\tTOTAL\tCREATED")
	for _, o := range orders {
		uid := o.UserID
		if uid == "" {
			uid = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s %s\t%s\n", o.Number, o.State, uid, o.Email, enrol.FormatCents(o.GrossCents, "en"), o.Currency, o.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

// enrolShow is `qesctl enrol show ORDER|USERID`.
func enrolShow(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("enrol show", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	fs.Bool("json", true, "print as JSON (the only format)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give one order number (55-NNNNN-NNNNNNNNNN) or UserID")
	}
	var v enrol.EnrolmentView
	if err := app.Call(ctx, *data, "enrol/show", operator.EnrolShowRequest{Ref: fs.Arg(0)}, &v, opener(*data)); err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
