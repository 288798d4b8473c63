package postgres

// Guards exposes the constraints' fields to the tests.
var Guards = guards
