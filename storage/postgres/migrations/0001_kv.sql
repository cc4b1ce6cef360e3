-- The aggregates of storage/kv, one row per key: bucket names the
-- aggregate or index, key and value are the bytes storage/kv writes.
-- The primary key orders each bucket's keys bytewise (bytea compares as
-- memcmp), which is what kv's cursors walk.
CREATE TABLE kv (
	bucket text NOT NULL,
	key bytea NOT NULL,
	value bytea NOT NULL,
	PRIMARY KEY (bucket, key)
);

-- Each bucket's NextSequence, rolled back with its transaction.
CREATE TABLE kv_sequences (
	bucket text PRIMARY KEY,
	value bigint NOT NULL
);
