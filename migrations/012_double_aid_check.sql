-- The database's backstop of the no-double-aid rule, checked once per
-- statement instead of once per row.
--
-- 008 kept rule one with an exclusion constraint, a GiST index over
-- (household, kind, member, period). Its upkeep costs some 18 µs a row:
-- a bare COPY of a million benefits into a table that has it runs at
-- 29,000 rows a second, a third of what an import of an agency's payment
-- list must reach. This migration keeps the same rule with a trigger that
-- runs once per statement over the rows the statement wrote (a transition
-- table), joined to the ledger through the btree index benefit_household:
-- one set-based check whether the statement wrote one row or a million.
--
-- Under concurrency it is as strong as the constraint: before it looks, it
-- locks the households the statement wrote for, in ID order, as every
-- approval does first; a writer that came first has committed by the time
-- the lock is granted, and the check, a statement of its own at READ
-- COMMITTED, sees what it wrote. At a stricter isolation level the check
-- would read an older snapshot, so the trigger refuses any other level:
-- benefits are written at READ COMMITTED, the default.
--
-- The trigger keeps the constraint's name, benefit_no_double_aid, in the
-- error it raises (SQLSTATE 23P01, exclusion_violation), so that every
-- caller reads DOUBLE_AID as before. It fires ALWAYS, even for a session
-- in replica mode.

ALTER TABLE benefit DROP CONSTRAINT benefit_no_double_aid;

CREATE FUNCTION benefit_no_double_aid() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- A trigger with a transition table takes one event.
CREATE TRIGGER benefit_no_double_aid_insert AFTER INSERT ON benefit
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION benefit_no_double_aid();
CREATE TRIGGER benefit_no_double_aid_update AFTER UPDATE ON benefit
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION benefit_no_double_aid();
ALTER TABLE benefit ENABLE ALWAYS TRIGGER benefit_no_double_aid_insert;
ALTER TABLE benefit ENABLE ALWAYS TRIGGER benefit_no_double_aid_update;

---- create above / drop below ----

DROP TRIGGER benefit_no_double_aid_update ON benefit;
DROP TRIGGER benefit_no_double_aid_insert ON benefit;
DROP FUNCTION benefit_no_double_aid();
ALTER TABLE benefit ADD CONSTRAINT benefit_no_double_aid EXCLUDE USING gist (
    household_id WITH =,
    kind_code WITH =,
    member WITH &&,
    period WITH &&
) WHERE (exclusive AND status IN ('ACTIVE', 'SUSPENDED') AND override_reason IS NULL);
