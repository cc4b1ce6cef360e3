package pades

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/internal/testutil/pdfcheck"
)

// assertRendersInk renders one page with poppler's pdftoppm at 72 dpi (one
// pixel per user unit) and checks that the rectangle has dark pixels: the
// appearance stream really draws.
func assertRendersInk(t *testing.T, pdf []byte, page int, rect [4]float64) {
	t.Helper()
	pdfcheck.NeedTool(t, "pdftoppm")
	f := pdfcheck.WriteTemp(t, "in.pdf", pdf)
	dir := filepath.Dir(f)
	p := fmt.Sprint(page)
	if out, err := exec.Command("pdftoppm", "-f", p, "-l", p, "-r", "72", "-gray", f, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "page*.pgm"))
	if len(matches) != 1 {
		t.Fatalf("pdftoppm produced %v", matches)
	}
	img, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var w, h, maxv int
	n, err := fmt.Fscanf(bytes.NewReader(img), "P5\n%d %d\n%d\n", &w, &h, &maxv)
	if err != nil || n != 3 {
		t.Fatalf("unexpected PGM header: %v", err)
	}
	hdr := len(fmt.Sprintf("P5\n%d %d\n%d\n", w, h, maxv))
	pix := img[hdr:]
	dark := 0
	for y := h - int(rect[3]); y < h-int(rect[1]); y++ {
		for x := int(rect[0]); x < int(rect[2]); x++ {
			if y >= 0 && y < h && x >= 0 && x < w && pix[y*w+x] < 128 {
				dark++
			}
		}
	}
	if dark < 200 {
		t.Fatalf("page %d rectangle %v has only %d dark pixels: the appearance does not render", page, rect, dark)
	}
}
