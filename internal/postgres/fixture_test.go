package postgres_test

import (
	"context"
	"testing"

	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/registry/registrytest"
)

// The fixture: three households in two districts of Bangka Tengah, the
// register the stores' contracts (registrytest and the others) run against.
const (
	kkKoba    = registrytest.KKKoba
	kkKoba2   = registrytest.KKKoba2
	kkPangkal = registrytest.KKPangkal

	nikHead   = registrytest.NIKHead
	nikSpouse = registrytest.NIKSpouse
	nikChild  = registrytest.NIKChild
	nikSingle = registrytest.NIKSingle
	nikPHead  = registrytest.NIKPHead
)

const fixtureSQL = `
INSERT INTO organisation (code, name, kind, region_code) VALUES
  ('SILAKSO', 'SiLakso', 'FRONT_OFFICE', '19.04'),
  ('DINSOS', 'Dinas Sosial', 'AGENCY', '19.04'),
  ('DINKES', 'Dinas Kesehatan', 'AGENCY', '19.04'),
  ('DESA-KOBA', 'Desa-desa Kecamatan Koba', 'VILLAGE', '19.04.01'),
  ('CSR-X', 'PT X', 'DONOR', '19.04');
INSERT INTO program (code, name, kind_code, source, owner_id)
SELECT 'CSRX_RUMAH', 'Bedah rumah PT X', 'HOUSING', 'CSR', id FROM organisation WHERE code = 'CSR-X';
INSERT INTO household (kk, region_code, address, rt, rw, desil, register_status) VALUES
  ('1904010506150001', '19.04.01.2003', 'Jl. Nibung No. 1', '001', '002', 2, 'REGISTERED'),
  ('1904011207180002', '19.04.01.1001', 'Jl. Merdeka No. 7', '003', '001', 7, 'UNREGISTERED'),
  ('1904020101160003', '19.04.02.2004', 'Dusun Air Mesu', '002', '001', 4, 'PROPOSED');
INSERT INTO person (nik, household_id, region_code, name, birth_date, sex, relationship)
SELECT v.nik, h.id, h.region_code, v.name, v.birth_date::date, v.sex, v.rel
FROM (VALUES
  ('1904011203850001', '1904010506150001', 'Ahmad Fauzi', '1985-03-12', 'MALE', 'HEAD'),
  ('1904015508880002', '1904010506150001', 'Siti Aminah', '1988-08-15', 'FEMALE', 'SPOUSE'),
  ('1904012001150003', '1904010506150001', 'Rizki Fauzi', '2015-01-20', 'MALE', 'CHILD'),
  ('1904010407600004', '1904011207180002', 'Lim Ah Kiong', '1960-07-04', 'MALE', 'HEAD'),
  ('1904024109900001', '1904020101160003', 'Fransiska Lie', '1990-09-01', 'FEMALE', 'HEAD')
) AS v(nik, kk, name, birth_date, sex, rel)
JOIN household h ON h.kk = v.kk;
`

// fixtureDB returns a migrated database holding the fixture.
func fixtureDB(t *testing.T) *postgres.DB {
	t.Helper()
	db := pgtestOpen(t)
	if _, err := db.Pool.Exec(context.Background(), fixtureSQL); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	return db
}
