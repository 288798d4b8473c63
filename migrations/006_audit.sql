-- The audit log (UU PDP art. 31): one row per operation that revealed
-- personal data or changed state, hash-chained (see internal/audit).
--
-- Ids are given by the appender in chain order while it holds the chain lock
-- (internal/postgres/audit.go), not by a sequence: a sequence hands numbers
-- out in the order transactions start, not the order they commit, and skips
-- the numbers of rolled-back ones, so its gaps could not be told from a
-- deleted event.

CREATE TABLE audit_event (
    id         bigint PRIMARY KEY CHECK (id > 0),
    at         timestamptz NOT NULL,
    actor      text NOT NULL CHECK (actor <> ''),
    org        text NOT NULL,
    roles      text[] NOT NULL DEFAULT '{}' CHECK (array_position(roles, NULL) IS NULL),
    operation  text NOT NULL CHECK (operation <> ''),
    -- NIKs and KKs, sorted and unique (audit.Event.Normalize).
    persons    text[] NOT NULL DEFAULT '{}'
               CHECK (array_position(persons, NULL) IS NULL AND array_to_string(persons, ',') ~ '^(\d{16}(,\d{16})*)?$'),
    households text[] NOT NULL DEFAULT '{}'
               CHECK (array_position(households, NULL) IS NULL AND array_to_string(households, ',') ~ '^(\d{16}(,\d{16})*)?$'),
    fields     text[] NOT NULL DEFAULT '{}' CHECK (array_position(fields, NULL) IS NULL),
    variables  jsonb CHECK (variables <> 'null'::jsonb), -- no variables is NULL
    purpose    text NOT NULL,
    -- SHA-256 of the event before; only the first has none.
    prev_hash  bytea CHECK (octet_length(prev_hash) = 32),
    hash       bytea NOT NULL CHECK (octet_length(hash) = 32),
    CHECK ((id = 1) = (prev_hash IS NULL))
);
-- A person's trail (persons @> ARRAY[nik]) and a household's.
CREATE INDEX audit_event_persons ON audit_event USING gin (persons);
CREATE INDEX audit_event_households ON audit_event USING gin (households);

-- Rows are never changed or removed, by anyone. The triggers fire ALWAYS,
-- even with session_replication_role = replica, so switching them off takes
-- ALTER TABLE, which only the table's owner or a superuser may run; what such
-- a person does anyway, the hash chain shows.
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit events are never changed or removed; record a new event instead.';
END
$$;
CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_no_update_delete;
ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_no_truncate;

---- create above / drop below ----

DROP TABLE audit_event;
DROP FUNCTION audit_event_append_only();
