package kv

import (
	"context"
	"fmt"

	"github.com/qesproject/qes/internal/errs"
)

// Member is a caller waiting in an engine's group committer (storage/bolt,
// storage/postgres) for the transaction it shares with the others; T is
// the engine's transaction type.
type Member[T any] struct {
	Ctx  context.Context
	Fn   func(T) error
	Done chan error // its answer, buffered
	Err  error      // what Fn returned in the latest run
}

// NewMember wraps a caller's fn.
func NewMember[T any](ctx context.Context, fn func(T) error) *Member[T] {
	return &Member[T]{Ctx: ctx, Fn: fn, Done: make(chan error, 1)}
}

// Live answers the members whose context ended before their group ran
// (they never run) and returns the others.
func Live[T any](batch []*Member[T]) []*Member[T] {
	live := batch[:0:0]
	for _, m := range batch {
		if err := m.Ctx.Err(); err != nil {
			m.Done <- err
			continue
		}
		live = append(live, m)
	}
	return live
}

// Call runs m's Fn in tx, turning a panic into m's error (a dirty one: it
// may have stopped halfway through its writes).
func (m *Member[T]) Call(tx T) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errs.Internalf(fmt.Errorf("panic: %v", p), "group transaction member")
		}
	}()
	return m.Fn(tx)
}
