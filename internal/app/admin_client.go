package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"

	"github.com/qesproject/qes/internal/errs"
)

var kindByName = func() map[string]errs.Kind {
	m := map[string]errs.Kind{}
	for k := errs.Internal; k <= errs.Unavailable; k++ {
		m[k.String()] = k
	}
	return m
}()

func callSocket(ctx context.Context, sock, op string, body []byte, resp any) error {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://qesd/"+op, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := client.Do(req)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "talk to the running qesd")
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		var ae AdminError
		if err := json.NewDecoder(r.Body).Decode(&ae); err != nil {
			return errs.Ef(errs.Internal, "qesd answered %s", r.Status)
		}
		return errs.E(kindByName[ae.Kind], ae.Detail)
	}
	if resp == nil {
		return nil
	}
	return json.NewDecoder(r.Body).Decode(resp)
}
