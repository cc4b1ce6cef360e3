// Package pgtest runs a real PostgreSQL for tests: one server per test
// binary (initdb and postgres from Debian's postgresql package) in a
// temporary directory, reachable only on a Unix socket, and a fresh
// database per test. PostgreSQL refuses to run as root, so under root the
// server runs as nobody, in a directory nobody owns.
//
// Without PostgreSQL installed a test skips on a developer's machine and
// fails under CI=true (the validator package's rule). Stop the server
// after the tests, even failed ones:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// or call Stop from a TestMain of your own (testutil.Cleanup does).
package pgtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qesproject/qes/internal/testutil/validator"
)

// Main runs the tests and stops the server (if one started), for TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// server is the test binary's PostgreSQL.
type server struct {
	dir    string // temporary directory: data/ and the socket
	cmd    *exec.Cmd
	exited chan struct{} // closed when postgres has exited
	log    *lockedBuffer
}

var (
	mu       sync.Mutex
	srv      *server
	startErr error
	dbSeq    atomic.Int64
)

// user is the database superuser initdb creates.
const user = "qes"

// DSN returns the DSN of a new, empty database on the test binary's
// server; the database is dropped when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	return Database(t, fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1)))
}

// Database returns the DSN of the database called name, creating it empty
// if it does not exist yet: a test that restarts a server on the same data
// finds it again. The test that created it drops it when it ends (its
// server's cleanup, registered later, runs first).
func Database(t testing.TB, name string) string {
	t.Helper()
	s := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
			t.Fatalf("pgtest: create database %s: %v", name, err)
		}
		t.Cleanup(func() { drop(name) })
	}
	return s.dsn(name)
}

// drop removes a test's database; best effort (the directory goes at Stop
// anyway), FORCE ends connections a closed store left behind.
func drop(name string) {
	mu.Lock()
	s := srv
	mu.Unlock()
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
}

func (s *server) dsn(db string) string {
	return fmt.Sprintf("host=%s user=%s dbname=%s sslmode=disable", s.dir, user, db)
}

// Available reports whether PostgreSQL's binaries are installed, without
// starting anything.
func Available() bool {
	_, err := binDir()
	return err == nil
}

// start starts the server on first use; a failed start is remembered and
// reported to every test.
func start(t testing.TB) *server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if srv == nil && startErr == nil {
		bin, err := binDir()
		if err != nil {
			validator.Missing(t, "%v (scripts/deps.sh test installs the postgresql package)", err)
		}
		srv, startErr = launch(bin)
	}
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	return srv
}

// binDir finds initdb and postgres: Debian keeps them out of PATH, under
// /usr/lib/postgresql/<major>/bin; the newest major wins.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL is not installed (no initdb and postgres under /usr/lib/postgresql/*/bin or in PATH)")
}

func versionOf(binDir string) int {
	var v int
	_, _ = fmt.Sscan(filepath.Base(filepath.Dir(binDir)), &v)
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// launch runs initdb and starts postgres, and returns once the server
// says it accepts connections.
func launch(bin string) (*server, error) {
	// The socket's path must fit in sun_path (108 bytes).
	base := os.TempDir()
	if len(base) > 60 {
		base = "/tmp"
	}
	sweep(base)
	dir, err := os.MkdirTemp(base, "qes-pg-")
	if err != nil {
		return nil, err
	}
	cred, err := unprivileged(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", user, "--auth=trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "LC_ALL=C"}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir,
		"-c", "listen_addresses=", "-c", "max_connections=400", "-c", "shared_buffers=64MB",
		"-c", "log_min_messages=warning")
	// postgres gets SIGTERM if the test binary dies without Stop
	// (Pdeathsig), which fires when the thread that started it ends:
	// the goroutine below keeps that thread until postgres has exited.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Env = []string{"LC_ALL=C"}
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s := &server{dir: dir, cmd: cmd, exited: make(chan struct{}), log: &lockedBuffer{}}
	ready := make(chan error, 2)
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer close(s.exited)
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("start postgres: %w", err)
			return
		}
		started <- nil
		go watch(stderr, s.log, ready)
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	select {
	case err := <-ready:
		if err != nil {
			s.stop()
			return nil, fmt.Errorf("%w\n%s", err, s.log.String())
		}
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("postgres did not become ready in 2 minutes:\n%s", s.log.String())
	}
	return s, nil
}

// sweep removes the directories of servers whose test binary died
// without Stop (postgres itself ends with it, by Pdeathsig): no live
// postmaster and older than a start takes, so that another binary's
// server, running or still in initdb, is never touched.
func sweep(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "qes-pg-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			var pid int
			if _, err := fmt.Sscan(string(b), &pid); err == nil && pid > 0 {
				if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
					continue // still running
				}
			}
		}
		_ = os.RemoveAll(d)
	}
}

// watch copies postgres's log and says when it is ready (or exited first).
func watch(r io.Reader, log *lockedBuffer, ready chan<- error) {
	sc := bufio.NewScanner(r)
	said := false
	for sc.Scan() {
		line := sc.Text()
		log.WriteLine(line)
		if !said && strings.Contains(line, "database system is ready to accept connections") {
			ready <- nil
			said = true
		}
	}
	if !said {
		ready <- errors.New("postgres exited before it was ready")
	}
}

// unprivileged returns the credentials to run PostgreSQL with: nil for a
// normal user, nobody's under root (PostgreSQL refuses root), after
// giving nobody the directory.
func unprivileged(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	const nobody = 65534
	if err := os.Chown(dir, nobody, nobody); err != nil {
		return nil, fmt.Errorf("give %s to nobody: %w", dir, err)
	}
	return &syscall.Credential{Uid: nobody, Gid: nobody, NoSetGroups: true}, nil
}

// Stop stops the server (fast shutdown: open sessions are ended) and
// removes its directory. Safe to call when none started, and twice.
func Stop() {
	mu.Lock()
	s := srv
	srv, startErr = nil, nil
	mu.Unlock()
	if s != nil {
		s.stop()
	}
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
	}
	_ = os.RemoveAll(s.dir)
}

// lockedBuffer keeps the server's log for a failed start's message.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) WriteLine(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 1<<16 {
		l.b.WriteString(s + "\n")
	}
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
