package validator_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/validator"
)

// TestMissingToolSkipsLocallyAndFailsInCI runs this test binary again as the
// child below, with and without CI=true, and reads the verdict it printed.
func TestMissingToolSkipsLocallyAndFailsInCI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ci, want string
		fail           bool
	}{
		{"developer machine", "", "--- SKIP: TestChildNeedsAMissingTool", false},
		{"CI=false", "false", "--- SKIP: TestChildNeedsAMissingTool", false},
		{"CI=true", "true", "--- FAIL: TestChildNeedsAMissingTool", true},
		{"CI=1", "1", "--- FAIL: TestChildNeedsAMissingTool", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run", "^TestChildNeedsAMissingTool$", "-test.v")
			cmd.Env = append(os.Environ(), "QES_VALIDATOR_CHILD=1", "CI="+tt.ci)
			out, err := cmd.CombinedOutput()
			if (err != nil) != tt.fail || !strings.Contains(string(out), tt.want) {
				t.Fatalf("child: err %v, want failure %v and %q in:\n%s", err, tt.fail, tt.want, out)
			}
			if !strings.Contains(string(out), "qes-no-such-validator is not installed") {
				t.Fatalf("child did not name the missing tool:\n%s", out)
			}
		})
	}
}

// TestChildNeedsAMissingTool is the child of the test above.
func TestChildNeedsAMissingTool(t *testing.T) {
	if os.Getenv("QES_VALIDATOR_CHILD") == "" {
		t.Skip("run by TestMissingToolSkipsLocallyAndFailsInCI")
	}
	validator.Need(t, "qes-no-such-validator")
	t.Fatal("Need returned for a missing tool")
}

func TestNeedFindsAnInstalledTool(t *testing.T) {
	t.Parallel()
	if p := validator.Need(t, "sh"); p == "" {
		t.Fatal("no path for sh")
	}
	if !validator.Have(t, "sh") {
		t.Fatal("Have(sh) = false")
	}
}
