package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jaring-id/jaring/graph"
)

// schema prints the GraphQL schema Jaring serves as a subgraph, as
// graph/schema.graphql holds it (make generate writes it there).
func (m *Main) schema(ctx context.Context, args []string) error {
	cfg, _, err := m.parse("schema", args)
	if err != nil {
		return err
	}
	if cfg.out == "-" {
		_, err := fmt.Fprint(m.Stdout, graph.SDL())
		return err
	}
	if err := os.WriteFile(cfg.out, []byte(graph.SDL()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s\n", cfg.out)
	return nil
}
