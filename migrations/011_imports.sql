-- Imports (docs/imports.md): the register export and benefits files come
-- in through a staging table and set-based merges; every run is recorded,
-- and every row that cannot be taken is kept whole in data_issue, with its
-- file, line, raw bytes and reasons. Nothing in data_issue is ever deleted:
-- the application may add and resolve issues, not remove them.

-- What the register export carries beyond what the register held.
ALTER TABLE household ADD COLUMN dusun text NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN dtks_id text NOT NULL DEFAULT ''; -- iddtks, the register's own ID of the row
-- Likely duplicates: one name and birth date under two NIKs.
CREATE INDEX person_name_birth ON person (birth_date, upper(name));

-- One run of an import that wrote (a dry run writes nothing, so is not here).
CREATE TABLE import_run (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('REGISTER', 'BENEFITS')),
    file        text NOT NULL CHECK (file <> ''),
    sha256      bytea NOT NULL CHECK (octet_length(sha256) = 32),
    -- The organisation that imported: the payer of a benefits file.
    org_id      bigint NOT NULL REFERENCES organisation (id),
    actor       text NOT NULL CHECK (actor <> ''),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    read        integer NOT NULL CHECK (read >= 0),
    inserted    integer NOT NULL CHECK (inserted >= 0),
    updated     integer NOT NULL CHECK (updated >= 0),
    unchanged   integer NOT NULL CHECK (unchanged >= 0),
    quarantined integer NOT NULL CHECK (quarantined >= 0),
    reasons     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(reasons) = 'object'),
    CONSTRAINT import_run_timed CHECK (finished_at >= started_at),
    -- Every row read is exactly one of the others.
    CONSTRAINT import_run_counts_add_up CHECK (read = inserted + updated + unchanged + quarantined)
);
-- "This file was imported before": the same content by the same organisation.
CREATE INDEX import_run_file ON import_run (kind, org_id, sha256);

CREATE TABLE data_issue (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id       bigint NOT NULL REFERENCES import_run (id),
    kind            text NOT NULL CHECK (kind IN ('REGISTER', 'BENEFITS')),
    org_id          bigint NOT NULL REFERENCES organisation (id),
    file            text NOT NULL CHECK (file <> ''),
    line            integer NOT NULL CHECK (line > 0),
    -- The line exactly as in the file, without its line end: bytes, since a
    -- BAD_ENCODING line is not text.
    raw             bytea NOT NULL,
    raw_sha256      bytea NOT NULL GENERATED ALWAYS AS (sha256(raw)) STORED,
    -- verival.Reasons(), kept equal by a test.
    reasons         text[] NOT NULL CHECK (cardinality(reasons) > 0 AND reasons <@ ARRAY[
        'INVALID_NIK', 'INVALID_KK', 'NIK_BIRTHDATE_MISMATCH', 'NIK_SEX_MISMATCH',
        'UNKNOWN_REGION', 'AMBIGUOUS_REGION', 'MISSING_FIELD', 'BAD_DATE', 'BAD_VALUE',
        'BAD_ENCODING', 'TRUNCATED_ROW', 'EXTRA_FIELDS',
        'DUPLICATE_NIK', 'HOUSEHOLD_MISMATCH', 'SECOND_HEAD', 'POSSIBLE_DUPLICATE_PERSON',
        'NOT_IN_REGISTER', 'UNKNOWN_PROGRAM', 'NOT_PERMITTED', 'DUPLICATE_REF', 'DOUBLE_AID',
        'PROGRAM_FULL']::text[]),
    -- [{reason, field, message}], in the order of the columns.
    issues          jsonb NOT NULL CHECK (jsonb_typeof(issues) = 'array' AND jsonb_array_length(issues) > 0),
    -- False for a row that was imported and is only flagged for a look
    -- (POSSIBLE_DUPLICATE_PERSON).
    quarantined     boolean NOT NULL,
    -- The KK and NIK as read, when they parse: to find the issues of a
    -- household or person.
    kk              text COLLATE "C" CHECK (kk ~ '^\d{16}$'),
    nik             text COLLATE "C" CHECK (nik ~ '^\d{16}$'),
    -- Row scope, as for every row of a household: the region the row names
    -- (its village, or its household's), else the importing organisation's.
    region_code     text COLLATE "C" NOT NULL REFERENCES region (code),
    household_id    bigint REFERENCES household (id),
    -- The person the row is about, once in the register; for DUPLICATE_NIK
    -- and POSSIBLE_DUPLICATE_PERSON, the other person it may be.
    person_id       bigint REFERENCES person (id),
    related_person_id bigint REFERENCES person (id),
    -- For DOUBLE_AID, the benefit the row clashes with.
    benefit_id      bigint REFERENCES benefit (id),
    status          text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED')),
    resolution_note text CHECK (resolution_note IS NULL OR char_length(resolution_note) BETWEEN 10 AND 1000),
    resolved_by     text,
    resolved_org_id bigint REFERENCES organisation (id),
    resolved_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_issue_resolution_complete CHECK (
        (status = 'RESOLVED') = (resolution_note IS NOT NULL) AND (status = 'RESOLVED') = (resolved_by IS NOT NULL)
        AND (status = 'RESOLVED') = (resolved_org_id IS NOT NULL) AND (status = 'RESOLVED') = (resolved_at IS NOT NULL))
);
-- One open issue per row content and importer: importing a file again adds
-- nothing.
CREATE UNIQUE INDEX data_issue_open ON data_issue (kind, org_id, raw_sha256) WHERE status = 'OPEN';
-- dataIssues pages newest first within a region prefix.
CREATE INDEX data_issue_region ON data_issue (region_code, id);
CREATE INDEX data_issue_household ON data_issue (household_id) WHERE household_id IS NOT NULL;
CREATE INDEX data_issue_import ON data_issue (import_id);

-- Append and resolve; never delete.
GRANT SELECT, INSERT ON import_run TO jaring_app;
GRANT SELECT, INSERT, UPDATE ON data_issue TO jaring_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO jaring_app;

---- create above / drop below ----

DROP TABLE data_issue;
DROP TABLE import_run;
DROP INDEX person_name_birth;
ALTER TABLE person DROP COLUMN dtks_id;
ALTER TABLE household DROP COLUMN dusun;
