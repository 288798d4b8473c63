-- The ledger: every benefit a household or person receives, from anyone.

CREATE TABLE benefit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id   bigint NOT NULL,
    kind_code    text COLLATE "C" NOT NULL,
    source       text NOT NULL CHECK (source IN ('APBN', 'APBD_PROV', 'APBD_KAB', 'DANA_DESA', 'BAZNAS', 'CSR')),
    payer_id     bigint NOT NULL REFERENCES organisation (id),
    household_id bigint NOT NULL,
    region_code  text COLLATE "C" NOT NULL,
    person_id    bigint,
    amount       bigint NOT NULL CHECK (amount BETWEEN 0 AND 1000000000),
    -- Both ends included when written; stored canonical as [start, end+1).
    period       daterange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period)),
    status       text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED', 'ENDED', 'CANCELLED')),
    channel      text NOT NULL DEFAULT ''
                 CHECK (channel IN ('', 'BANK_TRANSFER', 'KKS_CARD', 'POST_OFFICE', 'CASH', 'IN_KIND', 'INSURANCE', 'SERVICE')),
    external_ref text NOT NULL CHECK (external_ref <> '' AND char_length(external_ref) <= 100),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    -- The kind is the program's: exclusivity is checked on it.
    FOREIGN KEY (program_id, kind_code) REFERENCES program (id, kind_code),
    FOREIGN KEY (household_id, region_code) REFERENCES household (id, region_code) ON UPDATE CASCADE,
    -- A person-scope benefit's person belongs to its household.
    FOREIGN KEY (person_id, household_id) REFERENCES person (id, household_id) ON UPDATE CASCADE,
    -- A payer's reference names one benefit: recordBenefits is idempotent on it.
    UNIQUE (payer_id, external_ref)
);
CREATE INDEX benefit_household ON benefit (household_id, lower(period), id);
CREATE INDEX benefit_person ON benefit (person_id, lower(period), id) WHERE person_id IS NOT NULL;

---- create above / drop below ----

DROP TABLE benefit;
