-- CSR donors' programs: criteria as data (internal/donor, a JSON object
-- checked by donor.ParseCriteria), budget and/or quota with the amount per
-- recipient, the days the aid covers, and whether the program is open.
-- Referrals to a donor program keep the eligibility answer they were made
-- on.

ALTER TABLE donor_program
    ADD COLUMN criteria jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(criteria) = 'object'),
    ADD COLUMN quota_unit text NOT NULL DEFAULT 'HOUSEHOLD' CHECK (quota_unit IN ('HOUSEHOLD', 'PERSON')),
    ADD COLUMN amount bigint NOT NULL DEFAULT 0 CHECK (amount BETWEEN 0 AND 1000000000),
    ADD COLUMN status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
    -- Bumped whenever the criteria change: counts are cached by it.
    ADD COLUMN criteria_version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- The criteria the old columns held move into the object.
UPDATE donor_program SET criteria = jsonb_strip_nulls(jsonb_build_object(
    'regions', CASE WHEN region_prefix = '' THEN NULL ELSE jsonb_build_array(region_prefix) END,
    'desilMax', desil_max));
ALTER TABLE donor_program DROP COLUMN desil_max, DROP COLUMN region_prefix;
ALTER TABLE donor_program ADD CONSTRAINT donor_program_budget_or_quota CHECK (budget > 0 OR quota > 0);

ALTER TABLE referral ADD COLUMN eligibility jsonb CHECK (eligibility IS NULL OR jsonb_typeof(eligibility) = 'object');

-- A program's aid, counted for its quota and budget.
CREATE INDEX benefit_program ON benefit (program_id) WHERE status <> 'CANCELLED';

---- create above / drop below ----

DROP INDEX benefit_program;
ALTER TABLE referral DROP COLUMN eligibility;
ALTER TABLE donor_program DROP CONSTRAINT donor_program_budget_or_quota;
ALTER TABLE donor_program
    ADD COLUMN desil_max smallint CHECK (desil_max BETWEEN 1 AND 10),
    ADD COLUMN region_prefix text COLLATE "C" NOT NULL DEFAULT ''
        CHECK (region_prefix ~ '^(\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)?$');
UPDATE donor_program SET desil_max = (criteria->>'desilMax')::smallint,
    region_prefix = coalesce(criteria->'regions'->>0, '');
ALTER TABLE donor_program DROP COLUMN updated_at, DROP COLUMN criteria_version, DROP COLUMN status,
    DROP COLUMN amount, DROP COLUMN quota_unit, DROP COLUMN criteria;
