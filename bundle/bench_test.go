package bundle_test

import (
	"crypto/rand"
	"fmt"
	"io"
	"testing"

	"github.com/qesproject/qes/storage"
)

// BenchmarkSeal and BenchmarkVerify: a typical enrolment (two
// identification sessions, about 25 files) with a selfie video of
// videoMB. Both are dominated by decrypting and hashing every file; the
// seal adds one HSM signature and one time-stamp, verify two signature
// checks and one audit-log scan.
func BenchmarkSeal(b *testing.B) {
	for _, videoMB := range []int{1, 25} {
		b.Run(fmt.Sprintf("video-%dMB", videoMB), func(b *testing.B) {
			e, o := benchEnrolment(b, videoMB)
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.srv.App.Bundles.Seal(e.ctx, o.Number); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, videoMB := range []int{1, 25} {
		b.Run(fmt.Sprintf("video-%dMB", videoMB), func(b *testing.B) {
			e, o := benchEnrolment(b, videoMB)
			if _, err := e.srv.App.Bundles.Seal(e.ctx, o.Number); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				rep, err := e.srv.App.Bundles.Verify(e.ctx, o.Number)
				if err != nil || !rep.OK {
					b.Fatalf("%v %+v", err, rep)
				}
			}
		})
	}
}

func benchEnrolment(b *testing.B, videoMB int) (*env, *storage.Order) {
	e := newEnv(b)
	o := e.enrolment("55-00001-0000000031", "rejected", false, e.put([]byte("dg1"), "application/octet-stream"))
	video := make([]byte, videoMB<<20)
	if _, err := io.ReadFull(rand.Reader, video); err != nil {
		b.Fatal(err)
	}
	ref := e.put(video, "video/mp4")
	if err := e.srv.App.Store.UpdateIdentification(e.ctx, "s2-"+o.Number, func(x *storage.Identification) error {
		x.Video = &ref
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return e, o
}
