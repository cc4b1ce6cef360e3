package audit

import (
	"context"
	"log/slog"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Appender is the part of Log that services write through.
type Appender interface {
	Append(ctx context.Context, ev Event) (uint64, error)
}

// Require writes ev, which must exist before what it records happens
// (EN 319 401, TS 119 431-1: authentications, factor use, codes sent, key and
// certificate events): when the log cannot take it, the failure is logged
// and the returned Unavailable error refuses the action.
func Require(ctx context.Context, a Appender, log *slog.Logger, ev Event) error {
	if _, err := a.Append(ctx, ev); err != nil {
		log.ErrorContext(ctx, "audit append failed: refusing the action", "type", ev.Type, "err", err)
		return errs.WrapM(err, errs.Unavailable, msg.EventNotAudited)
	}
	return nil
}

// BestEffort writes ev whose loss the caller can tolerate (the outcome of a
// refused request); a failure is logged, never silent.
func BestEffort(ctx context.Context, a Appender, log *slog.Logger, ev Event) {
	if _, err := a.Append(ctx, ev); err != nil {
		log.ErrorContext(ctx, "audit append failed", "type", ev.Type, "err", err)
	}
}
