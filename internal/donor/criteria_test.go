package donor

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

func intp(n int) *int { return &n }

// example is the criteria of the package documentation.
const example = `{"regions":["19.04.01"],"desilMax":4,"registerStatus":["REGISTERED"],"composition":{"schoolAgeChild":true,"elderly":true,"disability":true,"pregnant":true,"minSize":4},"notReceiving":["HOUSING"]}`

func TestParseCriteria(t *testing.T) {
	tests := []struct {
		name string
		json string
		want Criteria
	}{
		{"the documented example", example, Criteria{
			Regions:        []string{"19.04.01"},
			DesilMax:       intp(4),
			RegisterStatus: []registry.RegisterStatus{registry.Registered},
			Composition:    Composition{SchoolAgeChild: true, Elderly: true, Disability: true, Pregnant: true, MinSize: 4},
			NotReceiving:   []string{"HOUSING"},
		}},
		// No criteria at all: every registered household, anywhere.
		{"empty object", `{}`, Criteria{}},
		// An empty list says no more than a key left out, and reads back the same.
		{"empty lists", `{"regions":[],"registerStatus":[],"notReceiving":[],"composition":{}}`, Criteria{}},
		// Every level of region code is a prefix: province, regency, district, village.
		{"regions at every level", `{"regions":["19","19.04","19.04.02","19.04.01.2003"]}`,
			Criteria{Regions: []string{"19", "19.04", "19.04.02", "19.04.01.2003"}}},
		// false is the same as leaving a flag out.
		{"flags set false", `{"composition":{"elderly":false,"minSize":0}}`, Criteria{}},
		{"both statuses", `{"registerStatus":["PROPOSED","REGISTERED"]}`,
			Criteria{RegisterStatus: []registry.RegisterStatus{registry.Proposed, registry.Registered}}},
		{"desil at both ends", `{"desilMax":1}`, Criteria{DesilMax: intp(1)}},
		{"desil 10", `{"desilMax":10}`, Criteria{DesilMax: intp(10)}},
		{"white space", " {\n\t\"desilMax\" : 4 }\n", Criteria{DesilMax: intp(4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCriteria([]byte(tt.json))
			if err != nil {
				t.Fatalf("ParseCriteria(%s): %v", tt.json, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCriteria(%s) = %+v, want %+v", tt.json, got, tt.want)
			}
		})
	}
}

func TestParseCriteriaErrors(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		field string
		hint  string // a part of the message that says what is allowed
	}{
		{"not JSON", `{"desilMax":`, "criteria", "not valid JSON"},
		// json.Unmarshal would stop at the first value and say nothing of the rest.
		{"two values", `{} {}`, "criteria", "not valid JSON"},
		{"not an object", `["19.04"]`, "criteria", "must be an object of criteria, got a list"},
		{"null", `null`, "criteria", "got null"},
		// A typo must not drop a criterion silently: the program would take everyone.
		{"unknown key", `{"region":["19.04"]}`, "criteria.region",
			"the keys are regions, desilMax, registerStatus, composition and notReceiving"},
		// encoding/json matches keys in any case; a donor's JSON is read as written.
		{"key in the wrong case", `{"DesilMax":4}`, "criteria.DesilMax", "the keys are"},
		// With a repeated key, encoding/json keeps the last: which one did the donor mean?
		{"repeated key", `{"desilMax":4,"desilMax":5}`, "criteria.desilMax", "is given twice"},
		{"regions not a list", `{"regions":"19.04"}`, "criteria.regions", "must be a list of region codes, got a string"},
		{"region not a string", `{"regions":["19.04",1904]}`, "criteria.regions[1]", "must be a region code such as \"19.04.01\", got a whole number"},
		{"malformed region", `{"regions":["19.04","19.4"]}`, "criteria.regions[1]", "such as 19, 19.04, 19.04.01 or 19.04.01.2003"},
		{"compact region", `{"regions":["190401"]}`, "criteria.regions[0]", "dotted Kemendagri code"},
		// 19.04.99 has the shape of a district code, but there is no such district.
		{"unknown region", `{"regions":["19.04.99"]}`, "criteria.regions[0]", "no region has the code 19.04.99"},
		{"repeated region", `{"regions":["19.04","19.04"]}`, "criteria.regions[1]", "already listed at regions[0]"},
		{"desil as a string", `{"desilMax":"4"}`, "criteria.desilMax", "must be a desil from 1 to 10, got a string"},
		{"desil with a fraction", `{"desilMax":4.5}`, "criteria.desilMax", "got a number with a fraction"},
		{"desil written 4.0", `{"desilMax":4.0}`, "criteria.desilMax", "got a number with a fraction"},
		{"desil null", `{"desilMax":null}`, "criteria.desilMax", "must be a desil from 1 to 10, got null"},
		{"desil 0", `{"desilMax":0}`, "criteria.desilMax", "must be a desil from 1 to 10, got 0"},
		{"desil 11", `{"desilMax":11}`, "criteria.desilMax", "got 11"},
		{"desil beyond int", `{"desilMax":99999999999999999999}`, "criteria.desilMax", "out of range"},
		{"status in lower case", `{"registerStatus":["registered"]}`, "criteria.registerStatus[0]", "use REGISTERED or PROPOSED"},
		// Answering for households outside the register would tell a donor Jaring knows them.
		{"unregistered households", `{"registerStatus":["REGISTERED","UNREGISTERED"]}`, "criteria.registerStatus[1]", "may not take UNREGISTERED"},
		{"removed households", `{"registerStatus":["REMOVED"]}`, "criteria.registerStatus[0]", "may not take REMOVED"},
		{"repeated status", `{"registerStatus":["REGISTERED","REGISTERED"]}`, "criteria.registerStatus[1]", "list each status once"},
		{"composition not an object", `{"composition":true}`, "criteria.composition", "must be an object of composition flags, got true or false"},
		{"unknown flag", `{"composition":{"children":true}}`, "criteria.composition.children",
			"the keys are schoolAgeChild, elderly, disability, pregnant and minSize"},
		{"flag as a string", `{"composition":{"elderly":"yes"}}`, "criteria.composition.elderly", "must be true or false, got a string"},
		{"size as a string", `{"composition":{"minSize":"4"}}`, "criteria.composition.minSize", "must be a number of members of at least 1, got a string"},
		{"negative size", `{"composition":{"minSize":-1}}`, "criteria.composition.minSize", "at least 1, or left out, got -1"},
		// Types are checked before values, so a wrong type is reported whatever else is wrong.
		{"a type before a value", `{"desilMax":0,"composition":{"minSize":"4"}}`, "criteria.composition.minSize", "got a string"},
		{"unknown kind", `{"notReceiving":["RICE"]}`, "criteria.notReceiving[0]", "such as FOOD, CASH_LIVING or HOUSING"},
		// Kinds are codes, written as the catalogue writes them.
		{"kind in lower case", `{"notReceiving":["housing"]}`, "criteria.notReceiving[0]", "is not a kind of aid"},
		{"repeated kind", `{"notReceiving":["FOOD","HOUSING","FOOD"]}`, "criteria.notReceiving[2]", "already listed at notReceiving[0]"},
		{"kinds not a list", `{"notReceiving":{"FOOD":true}}`, "criteria.notReceiving", "must be a list of kinds of aid, got an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCriteria([]byte(tt.json))
			if err == nil {
				t.Fatalf("ParseCriteria(%s) = %+v, want an error at %s", tt.json, got, tt.field)
			}
			msg := jaring.ErrorMessage(err)
			if jaring.ErrorCode(err) != jaring.EINVALID || jaring.ErrorField(err) != tt.field {
				t.Fatalf("ParseCriteria(%s) error = %v, want %s at %s", tt.json, err, jaring.EINVALID, tt.field)
			}
			if !strings.HasPrefix(msg, tt.field+": ") || !strings.Contains(msg, tt.hint) {
				t.Errorf("ParseCriteria(%s) message = %q, want it to start with the field and contain %q", tt.json, msg, tt.hint)
			}
		})
	}
}

func TestCriteriaValidate(t *testing.T) {
	// The live catalogue may hold a kind the seed does not.
	catalogue := func(code string) bool { return code == "FOOD" || code == "SOLAR_LAMP" }
	tests := []struct {
		name  string
		c     Criteria
		field string // "" for valid criteria
	}{
		{"zero value", Criteria{}, ""},
		{"a kind of the catalogue", Criteria{NotReceiving: []string{"SOLAR_LAMP"}}, ""},
		// A standard kind the catalogue does not hold is unknown to it.
		{"a kind not in the catalogue", Criteria{NotReceiving: []string{"FOOD", "HOUSING"}}, "criteria.notReceiving[1]"},
		// Criteria built in Go are placed as those read from JSON.
		{"bad region", Criteria{Regions: []string{"19.04", ""}}, "criteria.regions[1]"},
		{"desil", Criteria{DesilMax: intp(-3)}, "criteria.desilMax"},
		{"status", Criteria{RegisterStatus: []registry.RegisterStatus{""}}, "criteria.registerStatus[0]"},
		{"size", Criteria{Composition: Composition{MinSize: -2}}, "criteria.composition.minSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate(catalogue)
			if jaring.ErrorField(err) != tt.field || (err != nil) != (tt.field != "") {
				t.Fatalf("Validate = %v, want an error at %q", err, tt.field)
			}
			if err != nil && jaring.ErrorCode(err) != jaring.EINVALID {
				t.Errorf("Validate code = %s, want %s", jaring.ErrorCode(err), jaring.EINVALID)
			}
		})
	}
}

func TestCriteriaJSON(t *testing.T) {
	tests := []struct {
		name string
		c    Criteria
		json string // what json.Marshal writes
	}{
		// Only what is set is written: a stored program reads as the donor wrote it.
		{"zero value", Criteria{}, `{}`},
		{"desil only", Criteria{DesilMax: intp(4)}, `{"desilMax":4}`},
		{"composition only", Criteria{Composition: Composition{Pregnant: true}}, `{"composition":{"pregnant":true}}`},
		{"everything", Criteria{
			Regions:        []string{"19.04.01"},
			DesilMax:       intp(4),
			RegisterStatus: []registry.RegisterStatus{registry.Registered},
			Composition:    Composition{SchoolAgeChild: true, Elderly: true, Disability: true, Pregnant: true, MinSize: 4},
			NotReceiving:   []string{"HOUSING"},
		}, example},
		{"several of each", Criteria{
			Regions:        []string{"19.04.01", "19.04.02.2004"},
			RegisterStatus: []registry.RegisterStatus{registry.Registered, registry.Proposed},
			Composition:    Composition{MinSize: 6},
			NotReceiving:   []string{"FOOD", "CASH_LIVING"},
		}, `{"regions":["19.04.01","19.04.02.2004"],"registerStatus":["REGISTERED","PROPOSED"],"composition":{"minSize":6},"notReceiving":["FOOD","CASH_LIVING"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.json {
				t.Errorf("json.Marshal = %s, want %s", data, tt.json)
			}
			back, err := ParseCriteria(data)
			if err != nil {
				t.Fatalf("ParseCriteria(%s): %v", data, err)
			}
			if !reflect.DeepEqual(back, tt.c) {
				t.Errorf("round trip = %+v, want %+v", back, tt.c)
			}
		})
	}
}
