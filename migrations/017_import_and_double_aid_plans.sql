-- Two changes to what migrations 011 and 012 made, which were edited in
-- place after they had been released (a database migrated before then kept
-- the old objects); here, as a migration of their own, every database gets
-- them:
--
-- * Likely duplicates (one name and birth date under two NIKs) are found by
--   a hash join of the rows imported with the register; the index 011 made
--   for them cost every import of a million persons two seconds more.
-- * The no-double-aid trigger (012) probes the ledger once per written row
--   through benefit_household (LATERAL ... LIMIT 1), a plan whose cost grows
--   with the rows written and the few benefits of each household. A plain
--   join leaves the plan to estimates the transition table does not have
--   (no statistics, 200 distinct households assumed): at 300,000 rows it
--   chose a join that compared every written row with every benefit and ran
--   for minutes.

DROP INDEX IF EXISTS person_name_birth;

CREATE OR REPLACE FUNCTION benefit_no_double_aid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'benefits are written at READ COMMITTED, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state',
                  HINT = 'The no-double-aid check must see every benefit committed before it.';
    END IF;
    -- Serialise with every other writer for these households. NO KEY
    -- UPDATE, as the statement's own foreign key check holds a KEY SHARE
    -- lock on them already, which another writer's may too: a FOR UPDATE
    -- here would wait for that writer while it waits for this one.
    PERFORM 1 FROM household WHERE id IN (SELECT household_id FROM written) ORDER BY id FOR NO KEY UPDATE;
    -- Rule one: two held benefits of one exclusive kind, for one subject
    -- (a household's aid covers every member), over overlapping periods,
    -- neither approved by override.
    SELECT w.id AS written, b.id AS held INTO clash
    FROM written w
    CROSS JOIN LATERAL (
        SELECT b.id FROM benefit b
        WHERE b.household_id = w.household_id AND b.kind_code = w.kind_code AND b.id <> w.id
            AND b.member && w.member AND b.period && w.period
            AND b.exclusive AND b.status IN ('ACTIVE', 'SUSPENDED') AND b.override_reason IS NULL
        LIMIT 1) b
    WHERE w.exclusive AND w.status IN ('ACTIVE', 'SUSPENDED') AND w.override_reason IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'benefit % clashes with benefit %: two benefits of one kind for one subject over overlapping periods', clash.written, clash.held
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'benefit_no_double_aid', TABLE = 'benefit';
    END IF;
    RETURN NULL;
END
$$;

---- create above / drop below ----

CREATE INDEX IF NOT EXISTS person_name_birth ON person (birth_date, upper(name));
CREATE OR REPLACE FUNCTION benefit_no_double_aid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'benefits are written at READ COMMITTED, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state',
                  HINT = 'The no-double-aid check must see every benefit committed before it.';
    END IF;
    -- Serialise with every other writer for these households. NO KEY
    -- UPDATE, as the statement's own foreign key check holds a KEY SHARE
    -- lock on them already, which another writer's may too: a FOR UPDATE
    -- here would wait for that writer while it waits for this one.
    PERFORM 1 FROM household WHERE id IN (SELECT household_id FROM written) ORDER BY id FOR NO KEY UPDATE;
    -- Rule one: two held benefits of one exclusive kind, for one subject
    -- (a household's aid covers every member), over overlapping periods,
    -- neither approved by override.
    SELECT w.id AS written, b.id AS held INTO clash
    FROM written w
    JOIN benefit b ON b.household_id = w.household_id AND b.kind_code = w.kind_code AND b.id <> w.id
        AND b.member && w.member AND b.period && w.period
        AND b.exclusive AND b.status IN ('ACTIVE', 'SUSPENDED') AND b.override_reason IS NULL
    WHERE w.exclusive AND w.status IN ('ACTIVE', 'SUSPENDED') AND w.override_reason IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'benefit % clashes with benefit %: two benefits of one kind for one subject over overlapping periods', clash.written, clash.held
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'benefit_no_double_aid', TABLE = 'benefit';
    END IF;
    RETURN NULL;
END
$$;
