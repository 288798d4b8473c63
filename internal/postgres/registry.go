package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// RegistryStore keeps households and persons.
type RegistryStore struct {
	db *DB
}

var _ registry.Store = (*RegistryStore)(nil)

// NewRegistryStore returns a RegistryStore on db.
func NewRegistryStore(db *DB) *RegistryStore { return &RegistryStore{db: db} }

const householdColumns = `h.id, h.kk, h.region_code, h.address, h.rt, h.rw, h.desil, h.register_status, h.created_at, h.updated_at`

func scanHousehold(row pgx.CollectableRow) (*registry.Household, error) {
	var h registry.Household
	var desil *int16
	err := row.Scan(&h.ID, &h.KK, &h.RegionCode, &h.Address, &h.RT, &h.RW, &desil, &h.RegisterStatus, &h.CreatedAt, &h.UpdatedAt)
	if desil != nil {
		d := int(*desil)
		h.Desil = &d
	}
	return &h, err
}

const personColumns = `p.id, p.nik, p.household_id, p.name, p.birth_date, p.birth_place, p.sex, p.relationship, p.mother_name, p.disabled, p.pregnant, p.created_at,
	p.register_status`

func scanPerson(row pgx.CollectableRow) (*registry.Person, error) {
	var p registry.Person
	err := row.Scan(&p.ID, &p.NIK, &p.HouseholdID, &p.Name, &p.BirthDate, &p.BirthPlace, &p.Sex, &p.Relationship, &p.MotherName, &p.Disabled, &p.Pregnant, &p.CreatedAt,
		&p.RegisterStatus)
	return &p, err
}

// FindHouseholdByKK returns the household with the given KK if scope lets
// the caller see it. Returns ENOTFOUND otherwise.
func (s *RegistryStore) FindHouseholdByKK(ctx context.Context, scope jaring.Scope, kk string) (*registry.Household, error) {
	a := args{kk}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+householdColumns+` FROM household h WHERE h.kk = $1 AND `+inScope(scope, &a, households), a...)
	h, err := pgx.CollectExactlyOneRow(rows, scanHousehold)
	return h, translate(err, "household with that KK that you may see")
}

// FindPersonByNIK returns the person with the given NIK if scope lets the
// caller see their household. Returns ENOTFOUND otherwise.
func (s *RegistryStore) FindPersonByNIK(ctx context.Context, scope jaring.Scope, nik string) (*registry.Person, error) {
	a := args{nik}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+personColumns+` FROM person p WHERE p.nik = $1 AND `+inScope(scope, &a, persons), a...)
	p, err := pgx.CollectExactlyOneRow(rows, scanPerson)
	return p, translate(err, "person with that NIK that you may see")
}

// householdWhere compiles a scope and a filter into a WHERE clause over
// household h, appending their arguments to a.
func householdWhere(scope jaring.Scope, f registry.HouseholdFilter, a *args) string {
	conds := []string{inScope(scope, a, households)}
	if f.Region != "" {
		conds = append(conds, inScope(jaring.Scope{Households: jaring.RegionHouseholds, Region: f.Region}, a, households))
	}
	if f.DesilMax != nil {
		conds = append(conds, "h.desil <= "+a.add(*f.DesilMax))
	}
	if f.Registered != nil {
		if *f.Registered {
			conds = append(conds, "h.register_status = 'REGISTERED'")
		} else {
			conds = append(conds, "h.register_status <> 'REGISTERED'")
		}
	}
	return strings.Join(conds, " AND ")
}

// FindHouseholds returns a page of the households in scope that match
// filter, in the order of their IDs, and whether more follow it.
func (s *RegistryStore) FindHouseholds(ctx context.Context, scope jaring.Scope, f registry.HouseholdFilter, page jaring.PageRequest) ([]*registry.Household, bool, error) {
	a := args{page.After, page.First + 1}
	where := householdWhere(scope, f, &a)
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+householdColumns+` FROM household h
		WHERE h.id > $1 AND `+where+` ORDER BY h.id LIMIT $2`, a...)
	hs, err := pgx.CollectRows(rows, scanHousehold)
	if err != nil {
		return nil, false, translate(err, "households")
	}
	if len(hs) > page.First {
		return hs[:page.First], true, nil
	}
	return hs, false, nil
}

// CountHouseholds counts the households in scope that match filter.
func (s *RegistryStore) CountHouseholds(ctx context.Context, scope jaring.Scope, f registry.HouseholdFilter) (int, error) {
	var a args
	where := householdWhere(scope, f, &a)
	var n int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM household h WHERE `+where, a...).Scan(&n); err != nil {
		return 0, translate(err, "households")
	}
	return n, nil
}

// FindHouseholdsByIDs returns the households in scope with the given IDs.
func (s *RegistryStore) FindHouseholdsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*registry.Household, error) {
	a := args{ids}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+householdColumns+` FROM household h WHERE h.id = ANY($1) AND `+inScope(scope, &a, households), a...)
	hs, err := pgx.CollectRows(rows, scanHousehold)
	return hs, translate(err, "households")
}

// FindHouseholdsByKKs returns the households in scope with the given KKs.
func (s *RegistryStore) FindHouseholdsByKKs(ctx context.Context, scope jaring.Scope, kks []string) ([]*registry.Household, error) {
	if len(kks) == 0 {
		return nil, nil
	}
	a := args{kks}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+householdColumns+` FROM household h WHERE h.kk = ANY($1) AND `+inScope(scope, &a, households), a...)
	hs, err := pgx.CollectRows(rows, scanHousehold)
	return hs, translate(err, "households")
}

// FindPersonsByNIKs returns the persons with the given NIKs whose households
// are in scope.
func (s *RegistryStore) FindPersonsByNIKs(ctx context.Context, scope jaring.Scope, niks []string) ([]*registry.Person, error) {
	if len(niks) == 0 {
		return nil, nil
	}
	a := args{niks}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+personColumns+` FROM person p WHERE p.nik = ANY($1) AND `+inScope(scope, &a, persons), a...)
	ps, err := pgx.CollectRows(rows, scanPerson)
	return ps, translate(err, "persons")
}

// FindPersonsByIDs returns the persons with the given IDs whose households
// are in scope.
func (s *RegistryStore) FindPersonsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*registry.Person, error) {
	a := args{ids}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+personColumns+` FROM person p WHERE p.id = ANY($1) AND `+inScope(scope, &a, persons), a...)
	ps, err := pgx.CollectRows(rows, scanPerson)
	return ps, translate(err, "persons")
}

// FindMembers returns the members of the given households in scope, ordered
// by household, then head first, then birth date.
func (s *RegistryStore) FindMembers(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*registry.Person, error) {
	a := args{householdIDs}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+personColumns+` FROM person p WHERE p.household_id = ANY($1) AND `+inScope(scope, &a, persons)+`
		ORDER BY p.household_id, p.relationship <> 'HEAD', p.birth_date, p.id`, a...)
	ps, err := pgx.CollectRows(rows, scanPerson)
	return ps, translate(err, "household members")
}

// OrganisationStore keeps organisations.
type OrganisationStore struct {
	db *DB
}

var _ jaring.OrganisationStore = (*OrganisationStore)(nil)

// NewOrganisationStore returns an OrganisationStore on db.
func NewOrganisationStore(db *DB) *OrganisationStore { return &OrganisationStore{db: db} }

const organisationColumns = `o.id, o.code, o.name, o.kind, coalesce(o.region_code, ''), o.created_at`

func scanOrganisation(row pgx.CollectableRow) (*jaring.Organisation, error) {
	var o jaring.Organisation
	err := row.Scan(&o.ID, &o.Code, &o.Name, &o.Kind, &o.RegionCode, &o.CreatedAt)
	return &o, err
}

// FindOrganisationByCode returns the organisation with the given code.
// Returns ENOTFOUND if there is none.
func (s *OrganisationStore) FindOrganisationByCode(ctx context.Context, code string) (*jaring.Organisation, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+organisationColumns+` FROM organisation o WHERE o.code = $1`, code)
	o, err := pgx.CollectExactlyOneRow(rows, scanOrganisation)
	return o, translate(err, "organisation with code "+code)
}

// FindOrganisationsByIDs returns the organisations with the given IDs.
func (s *OrganisationStore) FindOrganisationsByIDs(ctx context.Context, ids []int64) ([]*jaring.Organisation, error) {
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+organisationColumns+` FROM organisation o WHERE o.id = ANY($1)`, ids)
	os, err := pgx.CollectRows(rows, scanOrganisation)
	return os, translate(err, "organisations")
}

// FrontOffice returns the code of the one front office: the organisation
// that keeps the register. Returns ENOTFOUND if there is none, ECONFLICT if
// there are several.
func (s *OrganisationStore) FrontOffice(ctx context.Context) (string, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT code FROM organisation WHERE kind = 'FRONT_OFFICE' ORDER BY code LIMIT 2`)
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	switch {
	case err != nil:
		return "", err
	case len(codes) == 0:
		return "", jaring.Errorf(jaring.ENOTFOUND, "no organisation is a front office")
	case len(codes) > 1:
		return "", jaring.Errorf(jaring.ECONFLICT, "more than one organisation is a front office")
	}
	return codes[0], nil
}
