// Command paseo-sidecar puts the Paseo daemon on the user's tailnet.
//
// It runs an embedded Tailscale node (tsnet) named --hostname, keeps its
// state in --state-dir, and proxies HTTP and WebSocket connections from the
// tailnet to the daemon at --target. It tells the daemon what is going on
// with one JSON object per line on stdout, logs to stderr, and exits when
// stdin closes. See docs/sidecar.md for the protocol.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"tailscale.com/tsnet"
)

// version is set with -ldflags "-X main.version=…" by the build.
var version = "dev"

type config struct {
	Hostname   string
	StateDir   string
	Target     string
	ControlURL string
	AuthKey    string // from stdin (--secrets-stdin) or TS_AUTHKEY, never a flag
	Token      string // from stdin (--secrets-stdin) or PASEO_SIDECAR_TOKEN, sent to the daemon
	Verbose    bool
	// SecretsStdin: the first line of stdin is {"token":…,"authKey":…}.
	SecretsStdin bool

	// Tests only.
	afterStart  func(*tsnet.Server)
	pollEvery   time.Duration
	certTimeout time.Duration
	certRetry   time.Duration
	readyWait   time.Duration
	addrGrace   time.Duration
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("paseo-sidecar", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Hostname, "hostname", "paseo", "name to ask the tailnet for (control may add a suffix if it is taken)")
	fs.StringVar(&c.StateDir, "state-dir", "", "folder for the node's Tailscale state (required)")
	fs.StringVar(&c.Target, "target", "127.0.0.1:6767", "host:port of the daemon to proxy to")
	fs.StringVar(&c.ControlURL, "login-server", "", "control server URL (default: Tailscale's; e.g. a headscale URL)")
	fs.BoolVar(&c.Verbose, "verbose", false, "log Tailscale's backend to stderr")
	fs.BoolVar(&c.SecretsStdin, "secrets-stdin", false, `read {"token":…,"authKey":…} as the first line of stdin (the daemon does)`)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: paseo-sidecar --state-dir DIR [--hostname paseo] [--target 127.0.0.1:6767] [--login-server URL]\n"+
			"The auth key, if any, comes from $TS_AUTHKEY. Protocol: docs/sidecar.md.\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.StateDir == "" {
		return c, errors.New("--state-dir is required")
	}
	if c.Hostname == "" {
		return c, errors.New("--hostname must not be empty")
	}
	c.AuthKey = getenv("TS_AUTHKEY")
	c.Token = getenv("PASEO_SIDECAR_TOKEN")
	return c, nil
}

func main() {
	logger := log.New(os.Stderr, "paseo-sidecar: ", log.LstdFlags|log.Lmicroseconds)
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		logger.Print(err)
		os.Exit(2)
	}
	// Unsetting keeps the key and token out of the environment of anything
	// tsnet starts, but NOT out of /proc/self/environ: that keeps the
	// environment the process started with for its whole life, readable by
	// the same user. So the daemon passes both on stdin (--secrets-stdin);
	// the environment is only for running the sidecar by hand.
	os.Unsetenv("TS_AUTHKEY")
	os.Unsetenv("TS_AUTH_KEY")
	os.Unsetenv("PASEO_SIDECAR_TOKEN")
	var stdin io.Reader = os.Stdin
	if cfg.SecretsStdin {
		r := bufio.NewReader(os.Stdin)
		if err := readSecrets(r, &cfg); err != nil {
			logger.Print(err)
			os.Exit(2)
		}
		stdin = r // the commands that follow
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, stdin, os.Stdout, logger.Printf); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

// readSecrets reads the first line of stdin, {"token":…,"authKey":…}, into
// cfg (an auth key given there wins over TS_AUTHKEY). The line is at most
// the reader's buffer (4 KiB).
func readSecrets(r *bufio.Reader, cfg *config) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return fmt.Errorf("--secrets-stdin: could not read the secrets line: %w", err)
	}
	var s struct {
		Token   string `json:"token"`
		AuthKey string `json:"authKey"`
	}
	if err := json.Unmarshal(line, &s); err != nil {
		return errors.New("--secrets-stdin: the first line of stdin is not a JSON object")
	}
	cfg.Token = s.Token
	if s.AuthKey != "" {
		cfg.AuthKey = s.AuthKey
	}
	return nil
}

// tailscaleVersion is the version of tailscale.com this binary was built with.
func tailscaleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "tailscale.com" {
				return d.Version
			}
		}
	}
	return "unknown"
}
