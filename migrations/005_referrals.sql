-- The front office's workflow (applications and their referrals) and the
-- programs that CSR donors publish.

CREATE TABLE application (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number          text COLLATE "C" NOT NULL UNIQUE CHECK (number <> ''),
    household_id    bigint NOT NULL,
    region_code     text COLLATE "C" NOT NULL,
    applicant_id    bigint NOT NULL,
    type            text NOT NULL CHECK (type IN ('AID_REQUEST', 'COMPLAINT')),
    category        text NOT NULL DEFAULT '',
    kind_code       text COLLATE "C" REFERENCES benefit_kind (code),
    description     text NOT NULL DEFAULT '',
    doc_ktp         boolean NOT NULL DEFAULT false,
    doc_kk          boolean NOT NULL DEFAULT false,
    doc_sktm        boolean NOT NULL DEFAULT false,
    doc_register    boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'SUBMITTED'
                    CHECK (status IN ('SUBMITTED', 'VERIFIED', 'REJECTED', 'REFERRED', 'CLOSED')),
    status_reason   text NOT NULL DEFAULT '',
    submitted_by_id bigint NOT NULL REFERENCES organisation (id),
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (household_id, region_code) REFERENCES household (id, region_code) ON UPDATE CASCADE,
    -- The applicant is a member of the household.
    FOREIGN KEY (applicant_id, household_id) REFERENCES person (id, household_id) ON UPDATE CASCADE,
    CHECK ((type = 'AID_REQUEST') = (kind_code IS NOT NULL)),
    UNIQUE (id, household_id)
);
CREATE INDEX application_household ON application (household_id, submitted_at DESC);
CREATE INDEX application_status ON application (status, submitted_at);

CREATE TABLE referral (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint NOT NULL,
    household_id   bigint NOT NULL,
    region_code    text COLLATE "C" NOT NULL,
    from_id        bigint NOT NULL REFERENCES organisation (id),
    to_id          bigint NOT NULL REFERENCES organisation (id),
    program_id     bigint REFERENCES program (id),
    status         text NOT NULL DEFAULT 'PENDING'
                   CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED', 'FULFILLED')),
    reason         text NOT NULL DEFAULT '',
    benefit_id     bigint REFERENCES benefit (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    FOREIGN KEY (application_id, household_id) REFERENCES application (id, household_id) ON UPDATE CASCADE,
    FOREIGN KEY (household_id, region_code) REFERENCES household (id, region_code) ON UPDATE CASCADE,
    -- One referral of an application per organisation.
    UNIQUE (application_id, to_id),
    CHECK ((status = 'PENDING') = (decided_at IS NULL)),
    CHECK ((status = 'FULFILLED') = (benefit_id IS NOT NULL))
);
-- referralInbox: what is addressed to an organisation, oldest first.
CREATE INDEX referral_inbox ON referral (to_id, status, created_at, id);
CREATE INDEX referral_from ON referral (from_id, created_at, id);
CREATE INDEX referral_household ON referral (household_id, created_at DESC);

CREATE TABLE donor_program (
    program_id    bigint PRIMARY KEY REFERENCES program (id),
    donor_id      bigint NOT NULL REFERENCES organisation (id),
    description   text NOT NULL DEFAULT '',
    desil_max     smallint CHECK (desil_max BETWEEN 1 AND 10),
    region_prefix text COLLATE "C" NOT NULL DEFAULT ''
                  CHECK (region_prefix ~ '^(\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)?$'),
    budget        bigint NOT NULL DEFAULT 0 CHECK (budget >= 0),
    quota         integer NOT NULL DEFAULT 0 CHECK (quota >= 0),
    open_from     date NOT NULL,
    open_until    date CHECK (open_until >= open_from)
);
CREATE INDEX donor_program_donor ON donor_program (donor_id);

---- create above / drop below ----

DROP TABLE donor_program;
DROP TABLE referral;
DROP TABLE application;
