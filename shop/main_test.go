package shop_test

import (
	"os"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/browser"
)

func TestMain(m *testing.M) {
	code := m.Run()
	browser.Stop()
	testutil.Cleanup() // the shared token, and PostgreSQL under QES_STORAGE=postgres
	os.Exit(code)
}
