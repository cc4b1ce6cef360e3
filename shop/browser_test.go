package shop_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qesproject/qes/internal/testutil"

	"github.com/qesproject/qes/internal/testutil/validator"
)

// The browser helpers follow portal/browser_test.go. One headless Chromium
// serves every browser test of the package; each
// test gets its own browser context (cookies, storage) and tab.
var (
	chromeOnce   sync.Once
	chromeCtx    context.Context
	chromeCancel context.CancelFunc
	chromeErr    error
	chromeDir    string
)

const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds every browser step: a page that never loads fails the
// test quickly instead of hanging the suite.
const stepTimeout = 15 * time.Second

func startChrome() (context.Context, error) {
	chromeOnce.Do(func() {
		if _, err := exec.LookPath(chromiumPath); err != nil {
			chromeErr = fmt.Errorf("%s not found (Debian package chromium; scripts/deps.sh test installs it): %w", chromiumPath, err)
			return
		}
		chromeDir, chromeErr = os.MkdirTemp("", "qes-chromium-")
		if chromeErr != nil {
			return
		}
		// Without the background-networking flags Chromium keeps trying
		// to reach Google's services, which on a closed network makes it
		// slow and flaky.
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(chromeDir), chromedp.WindowSize(1280, 900),
			chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
			chromedp.Flag("lang", "en-US"),
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(actx)
		chromeCancel = func() { cancelBrowser(); cancelAlloc() }
		// Start the browser now. The first action on a context starts the
		// browser and ties it to that context, so it must run on ctx
		// itself, not on a context with a timeout; the bound on the start
		// is a timer instead.
		started := make(chan error, 1)
		go func() { started <- chromedp.Do(ctx, chromedp.Navigate("about:blank")) }()
		select {
		case err := <-started:
			if err != nil {
				chromeErr = fmt.Errorf("start chromium: %w", err)
				chromeCancel()
				return
			}
		case <-time.After(60 * time.Second):
			chromeErr = fmt.Errorf("chromium did not start within a minute")
			chromeCancel()
			return
		}
		chromeCtx = ctx
	})
	return chromeCtx, chromeErr
}

// stopChrome ends the shared browser (TestMain calls it).
func stopChrome() {
	if chromeCancel != nil {
		chromeCancel()
	}
	if chromeDir != "" {
		_ = os.RemoveAll(chromeDir)
	}
}

// artifacts is where screenshots go: $QES_ARTIFACTS/<test>, or a temporary
// directory. The path is printed so that a run can be inspected.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if root := os.Getenv("QES_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// tab is one browser tab on a test server, logged in or not.
type tab struct {
	t     *testing.T
	s     *testutil.Server
	ctx   context.Context
	dir   string
	shots int
}

var (
	tabsMu sync.Mutex
	tabsOf = map[*testing.T]int{}
)

func newTab(t *testing.T, s *testutil.Server) *tab {
	t.Helper()
	parent, err := startChrome()
	if err != nil {
		validator.Missing(t, "no browser: %v", err)
	}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// Open the tab on ctx itself (see startChrome): later steps use
	// contexts with timeouts derived from it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// A second tab of the same test (another person) saves its
	// screenshots in a subdirectory, so that the two never overwrite.
	dir := artifacts(t)
	tabsMu.Lock()
	tabsOf[t]++
	n := tabsOf[t]
	tabsMu.Unlock()
	if n > 1 {
		dir = filepath.Join(dir, fmt.Sprintf("tab%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &tab{t: t, s: s, ctx: ctx, dir: dir}
}

func (b *tab) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed")
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a path and waits for the page.
func (b *tab) open(path string) {
	b.t.Helper()
	b.step("open "+path, chromedp.Navigate(b.s.URL+path), chromedp.WaitReady(chromedp.CSS("footer")))
}

// fill types values into inputs (by CSS selector), replacing what is there.
func (b *tab) fill(fields ...string) {
	b.t.Helper()
	var acts []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		acts = append(acts, chromedp.SetValue(chromedp.CSS(fields[i]), fields[i+1]))
	}
	b.step("fill", acts...)
}

// submit clicks a button and waits for the page it leads to.
func (b *tab) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.shot("failed")
		b.t.Fatalf("submit %s: %v", sel, err)
	}
	b.step("page loaded", chromedp.WaitReady(chromedp.CSS("footer")))
}

// text is the visible text of the first element matching sel.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.shot("failed")
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// has reports whether an element matching sel is on the page now.
func (b *tab) has(sel string) bool {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`document.querySelector(%q) !== null`, sel)) == "true"
}

// eval runs JavaScript in the page and returns its result as text.
func (b *tab) eval(js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	return fmt.Sprint(v)
}

func (b *tab) path() string {
	b.t.Helper()
	return b.eval(`location.pathname`)
}

// expectPath fails unless the tab shows path.
func (b *tab) expectPath(path string) {
	b.t.Helper()
	if got := b.path(); got != path {
		b.shot("unexpected-page")
		b.t.Fatalf("on %s, want %s; page says: %s", got, path, b.text("main"))
	}
}

// expectText fails unless the element's text contains want.
func (b *tab) expectText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.shot("unexpected-text")
		b.t.Fatalf("%s says %q, want %q", sel, got, want)
	}
}

// shot saves a screenshot of the whole page.
func (b *tab) shot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	b.shots++
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shots, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return file
}
