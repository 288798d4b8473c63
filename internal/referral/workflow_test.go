package referral

import (
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Every step of the workflow, from every state: allowed, or CONFLICT naming
// the state the thing is in.
func TestTransitions(t *testing.T) {
	appStates := []ApplicationStatus{Submitted, Verified, Rejected, Referred, Closed}
	steps := []struct {
		step    string
		do      func(*Application) error
		allowed map[ApplicationStatus]bool
	}{
		{"verify", (*Application).CanVerify, map[ApplicationStatus]bool{Submitted: true}},
		// Referring again while referrals are under way adds an agency or donor.
		{"refer", (*Application).CanRefer, map[ApplicationStatus]bool{Verified: true, Referred: true}},
	}
	for _, s := range steps {
		for _, st := range appStates {
			err := s.do(&Application{Number: "SLK-1", Status: st})
			switch {
			case s.allowed[st] && err != nil:
				t.Errorf("%s from %s: %v, want allowed", s.step, st, err)
			case !s.allowed[st] && (jaring.ErrorCode(err) != jaring.ECONFLICT || !strings.Contains(jaring.ErrorMessage(err), "is "+string(st))):
				t.Errorf("%s from %s: %v, want CONFLICT naming %s", s.step, st, err, st)
			}
		}
	}
	refStates := []ReferralStatus{Pending, Accepted, Declined, Fulfilled}
	refSteps := []struct {
		step    string
		do      func(*Referral) error
		allowed ReferralStatus
	}{
		{"decide", (*Referral).CanDecide, Pending},
		{"fulfil", (*Referral).CanFulfil, Accepted},
	}
	for _, s := range refSteps {
		for _, st := range refStates {
			err := s.do(&Referral{ID: 7, Status: st})
			switch {
			case st == s.allowed && err != nil:
				t.Errorf("%s from %s: %v, want allowed", s.step, st, err)
			case st != s.allowed && (jaring.ErrorCode(err) != jaring.ECONFLICT || !strings.Contains(jaring.ErrorMessage(err), "is "+string(st))):
				t.Errorf("%s from %s: %v, want CONFLICT naming %s", s.step, st, err, st)
			}
		}
	}
}

func TestVerify(t *testing.T) {
	all := Documents{KTP: true, KK: true, SKTM: true, Register: true}
	tests := []struct {
		name   string
		check  Check
		want   ApplicationStatus
		reason string
	}{
		{"complete", Check{Documents: all, ApplicantInHousehold: true}, Verified, ""},
		// A household in the register needs no poverty certificate.
		{"registered, no SKTM", Check{Documents: Documents{KTP: true, KK: true}, ApplicantInHousehold: true, Registered: true}, Verified, ""},
		{"unregistered, no SKTM", Check{Documents: Documents{KTP: true, KK: true}, ApplicantInHousehold: true}, Rejected, "SKTM"},
		{"no KTP", Check{Documents: Documents{KK: true, SKTM: true}, ApplicantInHousehold: true}, Rejected, "KTP"},
		// The data must match between KTP and KK: the applicant is a member.
		{"NIK not of the KK", Check{Documents: all}, Rejected, "not that of a member"},
		// Every reason is given at once, not one per visit to the desk.
		{"everything wrong", Check{}, Rejected, "KTP (identity card), KK (family card), SKTM"},
	}
	for _, tt := range tests {
		got, reason := Verify(tt.check)
		if got != tt.want || !strings.Contains(reason, tt.reason) || (tt.want == Verified) != (reason == "") {
			t.Errorf("%s: Verify = %s %q, want %s containing %q", tt.name, got, reason, tt.want, tt.reason)
		}
	}
}

func TestCloses(t *testing.T) {
	tests := []struct {
		states []ReferralStatus
		want   bool
	}{
		{nil, false},
		{[]ReferralStatus{Pending}, false},
		{[]ReferralStatus{Accepted, Pending}, false},
		// Decided means accepted, rejected or fulfilled: the application is done.
		{[]ReferralStatus{Accepted, Declined, Fulfilled}, true},
	}
	for _, tt := range tests {
		if got := Closes(tt.states); got != tt.want {
			t.Errorf("Closes(%v) = %v, want %v", tt.states, got, tt.want)
		}
	}
}

func TestCheckReason(t *testing.T) {
	if err := CheckReason(Reject, "  "); jaring.ErrorField(err) != "reason" {
		t.Errorf("a rejection without reason: %v", err)
	}
	if err := CheckReason(Accept, ""); err != nil {
		t.Errorf("an acceptance without reason: %v", err)
	}
	if err := CheckReason(Reject, "Sudah menerima bantuan sejenis dari BAZNAS."); err != nil {
		t.Error(err)
	}
}

func TestNewApplicationValidate(t *testing.T) {
	ok := NewApplication{Type: AidRequest, KindCode: "MEDICAL_DEVICE", Description: "Kursi roda untuk ibu", Category: "alat kesehatan"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, bad := range map[string]NewApplication{
		"kind":        {Type: AidRequest, Description: "x"},
		"description": {Type: Complaint, Description: " "},
		"type":        {Type: "WISH", Description: "x"},
	} {
		if err := bad.Validate(); jaring.ErrorField(err) != field {
			t.Errorf("%+v: %v, want an error at %s", bad, err, field)
		}
	}
}
