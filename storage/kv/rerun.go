package kv

import (
	"context"
	"errors"
)

// Rerun wraps e so that every read-write closure runs twice: once in a
// transaction that is then rolled back, and again for real. It is for
// tests: the storage contract says a closure may run more than once
// (PostgreSQL reruns one that lost a serialisation conflict), and a
// closure that keeps state across runs (appends to a captured slice,
// sets a flag it never resets) shows up under Rerun on any engine.
func Rerun(e Engine) Engine { return rerun{e} }

type rerun struct{ Engine }

// errRehearsal rolls back the first run.
var errRehearsal = errors.New("kv: rehearsal run rolled back")

func (r rerun) twice(ctx context.Context, run func(context.Context, func(Tx) error) error, fn func(Tx) error) error {
	err := run(ctx, func(tx Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRehearsal
	})
	if !errors.Is(err, errRehearsal) {
		return err // fn refused or failed: a real run would have too
	}
	return run(ctx, fn)
}

func (r rerun) Update(ctx context.Context, fn func(Tx) error) error {
	return r.twice(ctx, r.Engine.Update, fn)
}

func (r rerun) Group(ctx context.Context, fn func(Tx) error) error {
	return r.twice(ctx, r.Engine.Group, fn)
}

func (r rerun) GroupSoon(ctx context.Context, fn func(Tx) error) error {
	return r.twice(ctx, r.Engine.GroupSoon, fn)
}
