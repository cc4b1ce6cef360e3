package portal_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/browser"
)

// tab is one person's browser tab on a test server (internal/testutil/browser),
// with this package's own steps added.
type tab struct{ *browser.Tab }

func newTab(t *testing.T, s *testutil.Server) *tab { return &tab{browser.NewTab(t, s)} }

// login logs in through the login page.
func (b *tab) login(user, password string) {
	b.T.Helper()
	b.Open("/portal/login")
	b.Fill("#user", user, "#password", password)
	b.Submit("#submit")
}

// qrText decodes the QR code image on the page (a data: URI PNG).
func (b *tab) qrText(sel string) string {
	b.T.Helper()
	src := b.Eval(fmt.Sprintf(`document.querySelector(%q).getAttribute("src")`, sel))
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil {
		b.T.Fatalf("QR code src is not a base64 PNG: %.40s", src)
	}
	img, _, err := image.Decode(strings.NewReader(string(raw)))
	if err != nil {
		b.T.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		b.T.Fatal(err)
	}
	// The PNG is the code alone: decode it as such (see TestQRCodesDecode).
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		b.T.Fatalf("the QR code does not decode: %v", err)
	}
	return res.GetText()
}

// browserCookie reads a cookie as the browser stores it for the portal.
func (b *tab) browserCookie(name string) *network.Cookie {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, browser.StepTimeout)
	defer cancel()
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{b.S.URL + "/portal/"}})
		return r.Cookies, err
	})
	if err != nil {
		b.T.Fatal(err)
	}
	for _, c := range cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// download fetches a portal path with the browser's session, as the
// browser does for a download link (the page's script cannot: the pages'
// CSP allows no fetch).
func (b *tab) download(path string) (*http.Response, []byte) {
	b.T.Helper()
	ck := b.browserCookie("qes_portal")
	if ck == nil {
		b.T.Fatal("the browser has no session cookie")
	}
	req, _ := http.NewRequest(http.MethodGet, b.S.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.T.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.T.Fatal(err)
	}
	return resp, body
}
