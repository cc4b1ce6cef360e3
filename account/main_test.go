package account_test

import (
	"os"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}
