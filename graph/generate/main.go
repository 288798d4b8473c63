// Command generate is `make generate`'s gqlgen: gqlgen's own generator,
// configured by gqlgen.yml (the federation plugin included), with one
// plugin of Jaring's, sequential.
//
// gqlgen resolves the resolver fields of an object each in a goroutine of
// its own, so that slow ones wait side by side. For the objects named in
// sequentialObjects that buys nothing: their resolver fields are answered
// from the reference cache (a benefit's program, kind and payer) or by a
// loader that batches across the objects of a list, whose elements gqlgen
// still resolves side by side. What it cost was a goroutine per field, each
// starting on a small stack and growing it: stack growth was 11 % of the
// household view's CPU. Their fields are resolved one after another, in the
// goroutine of the object.
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
// another. A Household is not one: its members, benefits and referrals are
// each a loader's batch, and the household view asks all three of one
// household.
var sequentialObjects = []string{"Benefit", "BenefitKind", "Organisation", "Period", "Person", "Program", "Referral", "Region"}

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
