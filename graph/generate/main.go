// Command generate is `make generate`'s gqlgen: gqlgen's own generator,
// configured by gqlgen.yml (the federation plugin included), with one
// plugin of Jaring's, sequential.
//
// gqlgen resolves the resolver fields of an object each in a goroutine of
// its own, so that slow ones wait side by side. For the objects named in
// sequentialObjects that buys little: the fields asked of them in bulk are
// answered from the reference cache (a benefit's program, kind and payer),
// and gqlgen still resolves the elements of a list side by side. What it
// cost was a goroutine per field, each starting on a small stack and
// growing it: stack growth was 11 % of the household view's CPU. Their
// fields are resolved one after another, in the goroutine of the object.
package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// sequentialObjects are the objects whose fields are resolved one after
// another. The price: a query that asks one benefit both its household and
// its person, each a loader's batch, waits for the two batches one after
// the other. Objects with several loader-backed fields that single objects
// are asked for together — a Household (members, benefits, referrals), a
// Person (household, benefits), a Referral (application, household,
// benefit) — are not in it.
var sequentialObjects = []string{"Benefit", "BenefitKind", "Organisation", "Period", "Program", "Region"}

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err == nil {
		err = api.Generate(cfg, api.AddPlugin(sequential{}))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

type sequential struct{}

func (sequential) Name() string { return "jaring-sequential" }

// GenerateCode runs before gqlgen writes its code, on the data it writes
// from.
func (sequential) GenerateCode(data *codegen.Data) error {
	found := 0
	for _, o := range data.Objects {
		if slices.Contains(sequentialObjects, o.Name) {
			o.DisableConcurrency = true
			found++
		}
	}
	if found != len(sequentialObjects) {
		return fmt.Errorf("sequential: %d of the objects %v are in the schema", found, sequentialObjects)
	}
	return nil
}
