-- Households (keyed by KK) and persons (keyed by NIK).
-- Every table carries the household's region code, kept equal to the
-- household's by a composite foreign key, so that the data can be distributed
-- by region (Citus) at national scale.

CREATE TABLE household (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kk              text COLLATE "C" NOT NULL UNIQUE CHECK (kk ~ '^\d{16}$'),
    region_code     text COLLATE "C" NOT NULL REFERENCES region (code)
                    CHECK (region_code ~ '^\d{2}\.\d{2}\.\d{2}\.\d{4}$'),
    address         text NOT NULL,
    rt              text NOT NULL DEFAULT '' CHECK (rt ~ '^(\d{3})?$'),
    rw              text NOT NULL DEFAULT '' CHECK (rw ~ '^(\d{3})?$'),
    desil           smallint CHECK (desil BETWEEN 1 AND 10),
    register_status text NOT NULL DEFAULT 'UNREGISTERED'
                    CHECK (register_status IN ('REGISTERED', 'PROPOSED', 'UNREGISTERED', 'REMOVED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, region_code)
);
-- households(filter: {region}) pages by ID within a region prefix.
CREATE INDEX household_region ON household (region_code, id);
CREATE INDEX household_desil ON household (desil, id);

CREATE TABLE person (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nik          text COLLATE "C" NOT NULL UNIQUE CHECK (nik ~ '^\d{16}$'),
    household_id bigint NOT NULL,
    region_code  text COLLATE "C" NOT NULL,
    name         text NOT NULL CHECK (name <> ''),
    birth_date   date NOT NULL,
    birth_place  text NOT NULL DEFAULT '',
    sex          text NOT NULL CHECK (sex IN ('MALE', 'FEMALE')),
    relationship text NOT NULL
                 CHECK (relationship IN ('HEAD', 'SPOUSE', 'CHILD', 'PARENT', 'IN_LAW', 'GRANDCHILD', 'OTHER')),
    mother_name  text NOT NULL DEFAULT '',
    disabled     boolean NOT NULL DEFAULT false, -- specific personal data (UU PDP art. 4)
    pregnant     boolean NOT NULL DEFAULT false, -- specific personal data (UU PDP art. 4)
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (household_id, region_code) REFERENCES household (id, region_code) ON UPDATE CASCADE,
    UNIQUE (id, household_id)
);
CREATE INDEX person_household ON person (household_id);
-- A household has one head.
CREATE UNIQUE INDEX person_one_head ON person (household_id) WHERE relationship = 'HEAD';

---- create above / drop below ----

DROP TABLE person;
DROP TABLE household;
