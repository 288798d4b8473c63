-- Region codes (Kemendagri) and the organisations that use Jaring.
-- Codes use the "C" collation so that a prefix search (LIKE '19.04.%') can use
-- a plain btree index whatever the database's locale.

CREATE TABLE region (
    code        text COLLATE "C" PRIMARY KEY
                CHECK (code ~ '^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$'),
    level       text NOT NULL CHECK (level IN ('PROVINCE', 'REGENCY', 'DISTRICT', 'VILLAGE')),
    name        text NOT NULL CHECK (name <> ''),
    parent_code text COLLATE "C" REFERENCES region (code),
    CHECK ((level = 'PROVINCE') = (parent_code IS NULL))
);
CREATE INDEX region_parent ON region (parent_code);

CREATE TABLE organisation (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text COLLATE "C" NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
    name        text NOT NULL CHECK (name <> ''),
    kind        text NOT NULL
                CHECK (kind IN ('FRONT_OFFICE', 'AGENCY', 'DONOR', 'VILLAGE', 'AUDITOR', 'INTEGRATOR')),
    region_code text COLLATE "C" REFERENCES region (code),
    created_at  timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE organisation;
DROP TABLE region;
