package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"os"

	"github.com/qesproject/qes/internal/errs"
)

// RecordAt reads the record with sequence number seq from the log at path
// and checks its own hash: a record edited in place is refused. (The links
// of the whole chain are Verify's.) ok is false when no record has seq.
func RecordAt(ctx context.Context, path string, seq uint64) (rec *Record, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, errs.Internalf(err, "open audit log %s", path)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		// Records are one a line in sequence order; peeking at the number
		// first keeps a long log's scan cheap.
		var head struct {
			Seq uint64 `json:"seq"`
		}
		if json.Unmarshal(sc.Bytes(), &head) != nil || head.Seq != seq {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, false, errs.Internalf(err, "decode audit record %d", seq)
		}
		if r.computeHash() != r.Hash {
			return nil, true, errs.Ef(errs.Internal, "audit record %d was edited (its hash does not match its content)", seq)
		}
		return &r, true, nil
	}
	if err := sc.Err(); err != nil {
		return nil, false, errs.Internalf(err, "read audit log")
	}
	return nil, false, nil
}
