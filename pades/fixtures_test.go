package pades

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/internal/testutil/pdfcheck"
)

const fixtureDir = "../testdata/pades"

// TestWriteFixtures regenerates the committed fixtures; run it with
// PADES_WRITE_FIXTURES=1 (needs qpdf). See testdata/pades/README.md.
func TestWriteFixtures(t *testing.T) {
	if os.Getenv("PADES_WRITE_FIXTURES") != "1" {
		t.Skip("set PADES_WRITE_FIXTURES=1 to regenerate testdata/pades")
	}
	pdfcheck.NeedTool(t, "qpdf")
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(fixtureDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("simple.pdf", makePDF(pdfSpec{pages: 1}))
	write("multipage.pdf", makePDF(pdfSpec{pages: 3}))
	run := func(args ...string) {
		if out, err := exec.Command("qpdf", args...).CombinedOutput(); err != nil {
			t.Fatalf("qpdf %v: %v\n%s", args, err, out)
		}
	}
	mp := filepath.Join(fixtureDir, "multipage.pdf")
	run("--object-streams=generate", mp, filepath.Join(fixtureDir, "objstm.pdf"))
	run("--linearize", "--object-streams=generate", mp, filepath.Join(fixtureDir, "linearized.pdf"))
	run("--encrypt", "user", "owner", "256", "--", mp, filepath.Join(fixtureDir, "encrypted.pdf"))
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("read fixture %s: %v", name, err)
	}
	return b
}
