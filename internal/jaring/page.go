package jaring

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Page sizes: a list returns DefaultPageSize items unless asked for fewer or
// more, and never more than MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageRequest asks for up to First items after the item whose key is After
// (0: from the start). Keys are the rows' internal IDs, so pages are stable
// while rows are added.
type PageRequest struct {
	First int
	After int64
}

// NewPageRequest validates a Relay-style first/after pair. kind names what
// the cursor points at ("household"), so that a cursor from one list is not
// taken by another.
func NewPageRequest(kind string, first *int, after *string) (PageRequest, error) {
	p := PageRequest{First: DefaultPageSize}
	if first != nil {
		switch {
		case *first < 0:
			return p, Invalid("first", "must not be negative, got %d", *first)
		case *first > MaxPageSize:
			return p, &Error{Code: ELIMIT, Field: "first", Message: "first: at most " + strconv.Itoa(MaxPageSize) + " items a page, asked for " + strconv.Itoa(*first)}
		}
		p.First = *first
	}
	if after != nil && *after != "" {
		id, ok := DecodeCursor(kind, *after)
		if !ok {
			return p, Invalid("after", "%q is not a cursor of this list; pass a cursor from pageInfo.endCursor", *after)
		}
		p.After = id
	}
	return p, nil
}

// EncodeCursor makes the opaque cursor for the row of the given kind and ID.
func EncodeCursor(kind string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(id, 10)))
}

// DecodeCursor reverses EncodeCursor; ok is false for a cursor of another
// kind or one that was not made by EncodeCursor.
func DecodeCursor(kind, cursor string) (id int64, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, false
	}
	k, v, found := strings.Cut(string(b), ":")
	if !found || k != kind {
		return 0, false
	}
	id, err = strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
