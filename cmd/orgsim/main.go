// Command orgsim serves the Salesforce org emulator on loopback until it is
// interrupted, for trying the real sf CLI or deploy-guard by hand:
//
//	go run ./cmd/orgsim -scenario flaky-test
//	SF_ACCESS_TOKEN=<printed token> sf org login access-token --instance-url <printed url> --no-prompt
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/org/deploy-guard/pkg/orgsim"
)

func main() {
	dir := flag.String("scenarios", "testdata/scenarios", "directory of scenario files")
	name := flag.String("scenario", "success", "scenario to serve")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	useTLS := flag.Bool("tls", false, "serve HTTPS with a generated certificate (for sf org login sfdx-url)")
	list := flag.Bool("list", false, "list the scenarios and exit")
	quiet := flag.Bool("quiet", false, "do not log requests")
	flag.Parse()
	if err := run(*dir, *name, *addr, *useTLS, *list, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "orgsim:", err)
		os.Exit(1)
	}
}

func run(dir, name, addr string, useTLS, list, quiet bool) error {
	if list {
		names, err := orgsim.ListScenarios(dir)
		if err != nil {
			return err
		}
		for _, n := range names {
			sc, err := orgsim.LoadScenario(dir, n)
			if err != nil {
				return err
			}
			fmt.Printf("%-22s %s\n", n, strings.TrimSpace(sc.Description))
		}
		return nil
	}
	sc, err := orgsim.LoadScenario(dir, name)
	if err != nil {
		return err
	}
	opts := orgsim.Options{Addr: addr, TLS: useTLS}
	if !quiet {
		opts.Logf = log.New(os.Stderr, "", log.Ltime).Printf
	}
	srv, err := orgsim.Start(sc, opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Printf("scenario:      %s\ninstance url:  %s\naccess token:  %s\n", sc.Name, srv.URL(), orgsim.AccessToken)
	if useTLS {
		p, err := srv.WriteCert(os.TempDir())
		if err != nil {
			return err
		}
		fmt.Printf("auth url:      %s\nca cert:       %s (export NODE_EXTRA_CA_CERTS=%s)\n", srv.AuthURL(), p, p)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
