package claimschallenge_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

// A payroll API that lets anyone with a token read, but runs the payroll
// only for a user who stepped up to authentication context c1.
func Example() {
	ctx := context.Background()
	v, err := claimschallenge.NewVerifier(ctx, "https://id.example.com", "api://payroll")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /payroll/run", v.Require("c1", "api://payroll", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := claimschallenge.FromContext(r.Context())
		fmt.Fprintf(w, "payroll run by %s\n", c.Subject)
	})))
	log.Fatal(http.ListenAndServe(":8081", mux))
}

// A client that meets a claims challenge replays its claims request to the
// authorization endpoint.
func ExampleFromResponse() {
	resp, err := http.Post("https://payroll.example.com/payroll/run", "application/json", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if c, err := claimschallenge.FromResponse(resp); err == nil {
		// Send the user to c.AuthorizationURI with claims=c.Claims (and the
		// usual code flow parameters), then retry with the new token.
		fmt.Println("step up with", c.Claims)
	}
}
