// Package model holds the GraphQL types that are not domain types: inputs,
// connections, and the Date scalar.
package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/jaring-id/jaring/internal/jaring"
)

// MarshalDate writes a day as "2026-01-31".
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(jaring.DateLayout)))
	})
}

// UnmarshalDate reads a day written as "2026-01-31".
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("a date is a string such as \"2026-01-31\", not %T", v)
	}
	t, err := jaring.ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date written as YYYY-MM-DD", s)
	}
	return t, nil
}

// MarshalID writes a row's ID as a GraphQL ID: a string of digits.
func MarshalID(id int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.FormatInt(id, 10)))
	})
}

// UnmarshalID reads an ID given as a string of digits (or a number).
func UnmarshalID(v any) (int64, error) {
	switch v := v.(type) {
	case string:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return 0, fmt.Errorf("%q is not an ID", v)
		}
		return id, nil
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	}
	return 0, fmt.Errorf("an ID is a string of digits, not %T", v)
}
