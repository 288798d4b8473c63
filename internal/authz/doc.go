// Package authz decides what a caller may do and see. It turns a verified
// token into a Principal (token.go) and answers three questions from the
// Casbin policy in policy/ (model.conf, policy.csv):
//
//   - may it run this operation (Decisions.MayRun);
//   - which rows may it see (Decisions.Scope, pushed into SQL by the stores);
//   - how may it see this field: in clear, masked, or not at all
//     (Decisions.Field), by the field's class: public, personal, or
//     specific personal data (UU PDP art. 4: health, disability, children,
//     finances).
//
// Decisions depend only on the principal's roles, organisation kind and
// region, so they are computed once per such combination and policy, and
// shared by every request that has it. A policy reloaded (SIGHUP) is a new
// Policy with a fresh cache.
package authz
