-- No double aid (DOMAIN.md): one person or household never holds two active
-- benefits of the same kind over overlapping periods, whoever pays; and named
-- program pairs exclude each other (BLT Dana Desa goes to families not on PKH
-- or BPNT). The rules are data, changed by admins; the approval transaction
-- checks them under a lock on the household, and an exclusion constraint
-- backs rule one in the database itself.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Rule one, per kind: whether two benefits of it may overlap.
ALTER TABLE benefit_kind ADD COLUMN exclusive boolean NOT NULL DEFAULT true;

-- Rule two: program pairs that exclude each other within a household.
CREATE TABLE program_exclusion (
    program_a  bigint NOT NULL REFERENCES program (id),
    program_b  bigint NOT NULL REFERENCES program (id),
    reason     text NOT NULL CHECK (reason <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_a, program_b),
    CHECK (program_a < program_b) -- each pair once, in ID order
);
INSERT INTO program_exclusion (program_a, program_b, reason)
SELECT least(a.id, b.id), greatest(a.id, b.id), x.reason
FROM (VALUES
    ('BLT_DD', 'PKH',  'BLT Dana Desa goes to poor families not receiving PKH (Permendesa PDTT 6/2020)'),
    ('BLT_DD', 'BPNT', 'BLT Dana Desa goes to poor families not receiving BPNT (Permendesa PDTT 6/2020)')
) AS x(a, b, reason)
JOIN program a ON a.code = x.a
JOIN program b ON b.code = x.b;

-- What the exclusion constraint needs on each benefit: whether its kind was
-- exclusive when it was recorded, and whom it covers: one member (a
-- person-scope benefit) or every member (a household-scope one), as a range
-- over person IDs, so that a household's food aid clashes with a member's
-- food aid while two members' health premiums do not.
ALTER TABLE benefit
    ADD COLUMN exclusive boolean NOT NULL DEFAULT true,
    ADD COLUMN member int8range GENERATED ALWAYS AS (
        CASE WHEN person_id IS NULL THEN int8range(NULL, NULL) ELSE int8range(person_id, person_id, '[]') END
    ) STORED,
    -- A supervisor's approval despite a clash, with the written reason.
    ADD COLUMN override_reason text CHECK (override_reason IS NULL OR char_length(override_reason) >= 20),
    ADD COLUMN override_by text,
    ADD COLUMN override_org_id bigint REFERENCES organisation (id),
    ADD COLUMN override_at timestamptz,
    ADD CONSTRAINT benefit_override_complete CHECK (
        (override_reason IS NULL) = (override_by IS NULL) AND (override_reason IS NULL) = (override_at IS NULL)
        AND (override_reason IS NULL) = (override_org_id IS NULL));

UPDATE benefit b SET exclusive = k.exclusive FROM benefit_kind k WHERE k.code = b.kind_code;

ALTER TABLE benefit ADD CONSTRAINT benefit_no_double_aid EXCLUDE USING gist (
    household_id WITH =,
    kind_code WITH =,
    member WITH &&,
    period WITH &&
) WHERE (exclusive AND status IN ('ACTIVE', 'SUSPENDED') AND override_reason IS NULL);

CREATE INDEX benefit_overrides ON benefit (override_at DESC, id DESC) WHERE override_reason IS NOT NULL;

-- Applications name their applicant by NIK as the resident gave it; whether
-- that person belongs to the household is what verification checks.
ALTER TABLE application DROP CONSTRAINT application_applicant_id_household_id_fkey;
ALTER TABLE application ADD COLUMN applicant_nik text COLLATE "C" CHECK (applicant_nik ~ '^\d{16}$');
UPDATE application a SET applicant_nik = p.nik FROM person p WHERE p.id = a.applicant_id;
ALTER TABLE application ALTER COLUMN applicant_nik SET NOT NULL,
    ALTER COLUMN applicant_id DROP NOT NULL,
    ADD FOREIGN KEY (applicant_id) REFERENCES person (id);
CREATE SEQUENCE application_number;
SELECT setval('application_number', greatest((SELECT count(*) FROM application), 1), (SELECT count(*) FROM application) > 0);

GRANT SELECT, INSERT, UPDATE, DELETE ON program_exclusion TO jaring_app;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE application_number TO jaring_app;

---- create above / drop below ----

REVOKE ALL ON SEQUENCE application_number FROM jaring_app;
DROP SEQUENCE application_number;
-- Back to 005's applicant: a member of the household. Applications taken
-- since may name an applicant of another household, or none, so the old
-- constraint comes back NOT VALID rather than failing the way back.
ALTER TABLE application DROP CONSTRAINT application_applicant_id_fkey;
ALTER TABLE application ADD CONSTRAINT application_applicant_id_household_id_fkey
    FOREIGN KEY (applicant_id, household_id) REFERENCES person (id, household_id) ON UPDATE CASCADE NOT VALID;
ALTER TABLE application DROP COLUMN applicant_nik;
DROP INDEX benefit_overrides;
ALTER TABLE benefit DROP CONSTRAINT benefit_no_double_aid;
ALTER TABLE benefit DROP CONSTRAINT benefit_override_complete,
    DROP COLUMN override_at, DROP COLUMN override_org_id, DROP COLUMN override_by, DROP COLUMN override_reason,
    DROP COLUMN member, DROP COLUMN exclusive;
DROP TABLE program_exclusion;
ALTER TABLE benefit_kind DROP COLUMN exclusive;
