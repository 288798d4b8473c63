package jaring

import (
	"errors"
	"fmt"
	"time"
)

// Code is a class of error that the API promises to its callers. Only the
// transport maps a code to a status or an extensions.code; domain packages
// return codes and never know about HTTP or GraphQL.
type Code string

// The codes the API promises (docs/errors.md). ENOTPERSISTED is Apollo's
// code, on which its clients retry a persisted query with its text.
const (
	EINVALID         Code = "INVALID_INPUT"             // the input is malformed or breaks a rule
	ENOTFOUND        Code = "NOT_FOUND"                 // the thing asked for does not exist
	EUNAUTHENTICATED Code = "UNAUTHENTICATED"           // the caller is not logged in
	EFORBIDDEN       Code = "FORBIDDEN"                 // the caller is logged in but not allowed
	EDOUBLEAID       Code = "DOUBLE_AID"                // the benefit would clash with one already held
	ECONFLICT        Code = "CONFLICT"                  // the state of a thing does not allow the change
	ELIMIT           Code = "LIMIT_EXCEEDED"            // the request is larger than allowed
	ENOTPERSISTED    Code = "PERSISTED_QUERY_NOT_FOUND" // the persisted operation named is not known, or only persisted ones run
	EINTERNAL        Code = "INTERNAL"                  // a fault of ours; logged, never explained
)

// Codes are all the codes the API promises, in the order above.
var Codes = []Code{EINVALID, ENOTFOUND, EUNAUTHENTICATED, EFORBIDDEN, EDOUBLEAID, ECONFLICT, ELIMIT, ENOTPERSISTED, EINTERNAL}

// Error is a domain error: a code, a sentence for the user and, for bad input,
// the path of the field at fault (for example "input[2].nik").
type Error struct {
	Code    Code
	Message string
	Field   string
	// Limit names the limit a LIMIT_EXCEEDED error is about ("depth",
	// "complexity", "deadline", "eligibility rate").
	Limit string
	// RetryAfter, when set, says how long to wait before asking again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("jaring error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("jaring error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Limited returns an ELIMIT error about the named limit.
func Limited(limit string, format string, args ...any) *Error {
	return &Error{Code: ELIMIT, Limit: limit, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for the named field. The message names the
// field, so a caller who reads only the message still knows what to fix.
func Invalid(field string, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// WithField returns a copy of err placed at field: an *Error keeps its code and
// gains the field as a prefix (so "nik: has 15 digits" becomes
// "input[3].nik: has 15 digits"); any other error is returned as it is.
func WithField(field string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	switch {
	case e.Field == "":
		out.Field = field
		out.Message = field + ": " + e.Message
	default:
		out.Field = field + "." + e.Field
		out.Message = field + "." + e.Message
	}
	return &out
}

// ErrorCode returns the code of err: its own if it is an *Error, EINTERNAL for
// any other error, "" for nil.
func ErrorCode(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic sentence: their details go to the log, not to the caller.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field path of err, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
