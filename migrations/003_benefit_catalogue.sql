-- Kinds of aid and programs. Exclusivity is decided by kind, never by who
-- pays (DOMAIN.md): the catalogue is data, seeded here and changed by admins.

CREATE TABLE benefit_kind (
    code  text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,31}$'),
    name  text NOT NULL CHECK (name <> ''),
    scope text NOT NULL CHECK (scope IN ('PERSON', 'HOUSEHOLD'))
);

INSERT INTO benefit_kind (code, name, scope) VALUES
    ('FOOD',             'Food (rice and staples)',              'HOUSEHOLD'),
    ('CASH_LIVING',      'Cash for living costs',                'HOUSEHOLD'),
    ('CASH_CONDITIONAL', 'Conditional cash transfer',            'HOUSEHOLD'),
    ('HEALTH_PREMIUM',   'Health-insurance premium (JKN)',       'PERSON'),
    ('MEDICAL_COST',     'Medical costs',                        'PERSON'),
    ('MEDICAL_DEVICE',   'Medical device',                       'PERSON'),
    ('EDUCATION',        'Education cash',                       'PERSON'),
    ('HOUSING',          'House repair',                         'HOUSEHOLD'),
    ('REHABILITATION',   'Social rehabilitation and assistance', 'PERSON');

CREATE TABLE program (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text COLLATE "C" NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9_-]{1,31}$'),
    name        text NOT NULL CHECK (name <> ''),
    kind_code   text COLLATE "C" NOT NULL REFERENCES benefit_kind (code),
    source      text NOT NULL CHECK (source IN ('APBN', 'APBD_PROV', 'APBD_KAB', 'DANA_DESA', 'BAZNAS', 'CSR')),
    owner_id    bigint REFERENCES organisation (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, kind_code)
);

INSERT INTO program (code, name, kind_code, source) VALUES
    ('PKH',         'Program Keluarga Harapan',                       'CASH_CONDITIONAL', 'APBN'),
    ('BPNT',        'Bantuan Pangan Non Tunai (Sembako)',             'FOOD',             'APBN'),
    ('RASDA',       'Beras daerah',                                   'FOOD',             'APBD_KAB'),
    ('PBI_JK',      'Penerima Bantuan Iuran Jaminan Kesehatan',       'HEALTH_PREMIUM',   'APBN'),
    ('PBI_APBD',    'PBI Jaminan Kesehatan dibiayai APBD',            'HEALTH_PREMIUM',   'APBD_KAB'),
    ('JAMKESDA',    'Jaminan kesehatan daerah (biaya pengobatan)',    'MEDICAL_COST',     'APBD_KAB'),
    ('ALKES',       'Bantuan alat kesehatan',                         'MEDICAL_DEVICE',   'APBD_KAB'),
    ('PIP',         'Program Indonesia Pintar',                       'EDUCATION',        'APBN'),
    ('BLT_DD',      'Bantuan Langsung Tunai Dana Desa',               'CASH_LIVING',      'DANA_DESA'),
    ('RTLH',        'Rehabilitasi Rumah Tidak Layak Huni',            'HOUSING',          'APBD_KAB'),
    ('ATENSI',      'Asistensi Rehabilitasi Sosial',                  'REHABILITATION',   'APBN'),
    ('ZAKAT_HIDUP', 'BAZNAS: bantuan biaya hidup',                    'CASH_LIVING',      'BAZNAS');

---- create above / drop below ----

DROP TABLE program;
DROP TABLE benefit_kind;
