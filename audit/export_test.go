package audit

// WithDurableHook lets tests wait until the writer has fsync'd a record.
func WithDurableHook(fn func(seq uint64)) Option { return func(l *Log) { l.onDurable = fn } }
