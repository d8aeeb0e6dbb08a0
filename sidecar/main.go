// Command paseo-sidecar puts the Paseo daemon on the user's tailnet.
//
// It runs an embedded Tailscale node (tsnet) named --hostname, keeps its
// state in --state-dir, and proxies HTTP and WebSocket connections from the
// tailnet to the daemon at --target. It tells the daemon what is going on
// with one JSON object per line on stdout, logs to stderr, and exits when
// stdin closes. See docs/sidecar.md for the protocol.
package main

import (
	"context"
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
	AuthKey    string // from TS_AUTHKEY, never a flag
	Token      string // from PASEO_SIDECAR_TOKEN, sent to the daemon
	Verbose    bool

	// Tests only.
	afterStart  func(*tsnet.Server)
	pollEvery   time.Duration
	certTimeout time.Duration
	certRetry   time.Duration
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
	logger := log.New(os.Stderr, "paseo-sidecar: ", log.LstdFlags)
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		logger.Print(err)
		os.Exit(2)
	}
	// The key is in cfg now; keep it out of the environment of anything
	// tsnet might start and out of /proc/self/environ readers' way.
	os.Unsetenv("TS_AUTHKEY")
	os.Unsetenv("TS_AUTH_KEY")
	os.Unsetenv("PASEO_SIDECAR_TOKEN")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdin, os.Stdout, logger.Printf); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
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
