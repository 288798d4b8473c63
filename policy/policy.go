// Package policy holds Casbin's model and policy for Jaring, embedded into
// the binary; `--policy-dir` loads another copy instead.
package policy

import "embed"

// FS holds model.conf and policy.csv.
//
//go:embed model.conf policy.csv
var FS embed.FS
