package testenv

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// NewBrowser starts a headless Chromium (the binary from Chromium) with a
// fresh profile and returns a chromedp context for its first tab, with the
// WebAuthn domain enabled so that AddVirtualAuthenticator works. The browser
// stops when the test ends.
//
// Serve pages on 127.0.0.1 and browse to http://localhost:PORT: localhost is
// a secure context, so WebAuthn works over plain HTTP with RP ID "localhost".
func NewBrowser(t testing.TB) context.Context {
	t.Helper()
	path := Chromium(t)

	// Exactly the flags that TESTING.md found to work as root on a closed
	// network; chromedp's defaults add many more.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: the browser stops (and cancelAlloc
	// waits for its process) before t.TempDir removes the profile.
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})

	// The first call starts the browser; per chromedp it must not carry a
	// timeout, which would end the browser with it.
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("testenv: starting Chromium %s: %v", path, err)
	}
	return ctx
}

// AddVirtualAuthenticator adds a CTAP2 authenticator that holds resident keys
// (passkeys), verifies the user and confirms presence without a prompt, so
// navigator.credentials.create and get resolve at once. transport is a
// WebAuthn transport: "internal" acts as a platform authenticator, "usb",
// "nfc" or "ble" as a roaming one. Use one authenticator per simulated
// device. ctx must come from NewBrowser.
func AddVirtualAuthenticator(ctx context.Context, transport string) (authenticatorID string, err error) {
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Transport:                   webauthn.AuthenticatorTransport(transport),
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		return "", fmt.Errorf("adding virtual authenticator (%s): %w", transport, err)
	}
	return string(res.AuthenticatorID), nil
}

// Screenshot saves a PNG of the whole page of the tab in ctx, beyond the
// viewport, to path.
func Screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, fullPagePNG())
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o644)
}

// fullPagePNG captures the page's whole content size. chromedp's
// FullScreenshot sets no clip, so the browser captures only the viewport.
func fullPagePNG() chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		size := m.CSSContentSize
		if size == nil || size.Width == 0 || size.Height == 0 {
			return nil, fmt.Errorf("page has no content size")
		}
		capture := true
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			CaptureBeyondViewport: &capture,
			FromSurface:           &capture,
			Clip: &page.Viewport{
				Width:  math.Ceil(size.Width),
				Height: math.Ceil(size.Height),
				Scale:  1,
			},
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

// PhoneViewport emulates a phone held upright: 390×844 CSS pixels at device
// scale factor 2, mobile layout and touch input.
func PhoneViewport() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(390, 844,
		chromedp.EmulateScale(2),
		chromedp.EmulateMobile,
		chromedp.EmulateTouch,
		chromedp.EmulatePortrait,
	)
}
