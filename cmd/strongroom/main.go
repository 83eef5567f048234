// Command strongroom is a self-hosted identity server for privileged access:
// passkeys and security keys, Temporary Access Pass, Conditional Access,
// Privileged Identity Management and an OpenID Connect provider.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/strongroom-id/strongroom/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := (&app.Main{}).Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
