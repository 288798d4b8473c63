-- Register changes (docs/verival.md): a village operator proposes a change
-- to the welfare register after the village deliberation (musdes, muskel);
-- a verifier of Dinsos records the deliberation's decisions, all at once;
-- the approved changes are exported for the national register. A death puts
-- the benefits the person held on a review list for their payers: the
-- deliberation itself never ends a benefit. History is kept: proposals,
-- deliberations and reviews are added and decided, never deleted.

-- A person's own standing in the register, beside the household's
-- (household.register_status): ACTIVE, or what an approved removal made of
-- them.
ALTER TABLE person ADD COLUMN register_status text NOT NULL DEFAULT 'ACTIVE'
    CONSTRAINT person_register_status_check CHECK (register_status IN ('ACTIVE', 'DECEASED', 'MOVED', 'REMOVED'));

-- A review names a benefit of its own household.
ALTER TABLE benefit ADD CONSTRAINT benefit_id_household_id_key UNIQUE (id, household_id);

-- One village deliberation, as its minutes (berita acara) record it.
CREATE TABLE deliberation (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The village that deliberated: every change it decided is of a
    -- household of this village.
    region_code     text COLLATE "C" NOT NULL REFERENCES region (code)
                    CHECK (region_code ~ '^\d{2}\.\d{2}\.\d{2}\.\d{4}$'),
    held_on         date NOT NULL,
    minutes_ref     text NOT NULL CHECK (char_length(minutes_ref) BETWEEN 3 AND 200),
    recorded_by     text NOT NULL CHECK (recorded_by <> ''),
    recorded_org_id bigint NOT NULL REFERENCES organisation (id),
    recorded_at     timestamptz NOT NULL,
    -- A deliberation's minutes are recorded once.
    CONSTRAINT deliberation_minutes_once UNIQUE (region_code, minutes_ref)
);
-- The export reads the deliberations held in a window.
CREATE INDEX deliberation_held ON deliberation (held_on, id);

-- A proposed change to the register, and what the deliberation decided.
CREATE TABLE register_change (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id    bigint NOT NULL,
    region_code     text COLLATE "C" NOT NULL,
    -- The member concerned; NULL for the whole household.
    person_id       bigint,
    change          text NOT NULL CHECK (change IN ('ADD', 'REMOVE', 'UPDATE')),
    reason          text NOT NULL CHECK (reason IN ('DECEASED', 'MOVED', 'DUPLICATE', 'NOT_ELIGIBLE', 'NOT_FOUND',
                        'BECAME_STATE_EMPLOYEE', 'BETTER_OFF', 'NEW_POOR_FAMILY', 'DATA_CORRECTION')),
    -- The letter, minutes or certificate the proposal rests on.
    evidence        text NOT NULL CHECK (char_length(evidence) BETWEEN 5 AND 500),
    -- An UPDATE's corrected values (verival.Corrections), by field.
    corrections     jsonb CHECK (jsonb_typeof(corrections) = 'object'),
    status          text NOT NULL DEFAULT 'PROPOSED' CHECK (status IN ('PROPOSED', 'APPROVED', 'REJECTED')),
    proposed_by     text NOT NULL CHECK (proposed_by <> ''),
    proposed_org_id bigint NOT NULL REFERENCES organisation (id),
    proposed_at     timestamptz NOT NULL,
    deliberation_id bigint REFERENCES deliberation (id),
    -- The deliberation's note on its decision.
    note            text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
    decided_at      timestamptz,
    FOREIGN KEY (household_id, region_code) REFERENCES household (id, region_code) ON UPDATE CASCADE,
    FOREIGN KEY (person_id, household_id) REFERENCES person (id, household_id) ON UPDATE CASCADE,
    -- Which reasons go with which change, and with whom (verival.Rules,
    -- kept equal by a test): ADD is of a new poor family; UPDATE corrects
    -- data; REMOVE has its grounds, a death being a person's and a family
    -- grown better off a household's.
    CONSTRAINT register_change_reason_fits CHECK (CASE change
        WHEN 'ADD' THEN reason = 'NEW_POOR_FAMILY' AND person_id IS NULL
        WHEN 'UPDATE' THEN reason = 'DATA_CORRECTION'
        ELSE reason NOT IN ('NEW_POOR_FAMILY', 'DATA_CORRECTION')
            AND (reason <> 'DECEASED' OR person_id IS NOT NULL)
            AND (reason <> 'BETTER_OFF' OR person_id IS NULL) END),
    CONSTRAINT register_change_corrections_update CHECK (corrections IS NULL OR change = 'UPDATE'),
    -- Decided by a deliberation, at a time, or still open.
    CONSTRAINT register_change_decided CHECK (
        (status = 'PROPOSED') = (deliberation_id IS NULL) AND (status = 'PROPOSED') = (decided_at IS NULL)),
    UNIQUE (id, household_id)
);
-- One open proposal per household (or member) and change.
CREATE UNIQUE INDEX register_change_one_open ON register_change (household_id, person_id, change) NULLS NOT DISTINCT
    WHERE status = 'PROPOSED';
-- registerChanges pages by ID within a region prefix.
CREATE INDEX register_change_region ON register_change (region_code, id);
CREATE INDEX register_change_deliberation ON register_change (deliberation_id) WHERE deliberation_id IS NOT NULL;

-- A benefit whose recipient (or whose household's head) was recorded
-- deceased, for its payer to continue or end: never ended silently.
CREATE TABLE benefit_review (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    benefit_id      bigint NOT NULL,
    household_id    bigint NOT NULL,
    region_code     text COLLATE "C" NOT NULL,
    -- The member whose death put it here, and the change that recorded it.
    person_id       bigint NOT NULL,
    change_id       bigint NOT NULL,
    reason          text NOT NULL CHECK (reason IN ('DECEASED')),
    status          text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
    outcome         text CHECK (outcome IN ('CONTINUE', 'END')),
    note            text CHECK (char_length(note) BETWEEN 10 AND 2000),
    reviewed_by     text,
    reviewed_org_id bigint REFERENCES organisation (id),
    reviewed_at     timestamptz,
    created_at      timestamptz NOT NULL,
    FOREIGN KEY (household_id, region_code) REFERENCES household (id, region_code) ON UPDATE CASCADE,
    FOREIGN KEY (benefit_id, household_id) REFERENCES benefit (id, household_id) ON UPDATE CASCADE,
    FOREIGN KEY (person_id, household_id) REFERENCES person (id, household_id) ON UPDATE CASCADE,
    FOREIGN KEY (change_id, household_id) REFERENCES register_change (id, household_id) ON UPDATE CASCADE,
    CONSTRAINT benefit_review_closed_complete CHECK (
        (status = 'CLOSED') = (outcome IS NOT NULL) AND (status = 'CLOSED') = (note IS NOT NULL)
        AND (status = 'CLOSED') = (reviewed_by IS NOT NULL) AND (status = 'CLOSED') = (reviewed_org_id IS NOT NULL)
        AND (status = 'CLOSED') = (reviewed_at IS NOT NULL))
);
-- A benefit is on the list once at a time.
CREATE UNIQUE INDEX benefit_review_one_open ON benefit_review (benefit_id) WHERE status = 'OPEN';
-- benefitsToReview pages by ID within a status.
CREATE INDEX benefit_review_status ON benefit_review (status, id);
CREATE INDEX benefit_review_household ON benefit_review (household_id);

-- Append and decide; never delete.
GRANT SELECT, INSERT ON deliberation TO jaring_app;
GRANT SELECT, INSERT, UPDATE ON register_change, benefit_review TO jaring_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO jaring_app;

---- create above / drop below ----

DROP TABLE benefit_review;
DROP TABLE register_change;
DROP TABLE deliberation;
ALTER TABLE benefit DROP CONSTRAINT benefit_id_household_id_key;
ALTER TABLE person DROP COLUMN register_status;
