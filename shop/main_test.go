package shop_test

import (
	"os"
	"testing"

	"github.com/qesproject/qes/internal/testutil/browser"
)

func TestMain(m *testing.M) {
	code := m.Run()
	browser.Stop()
	os.Exit(code)
}
