-- The request ID of each audit event: the X-Request-ID of the HTTP request
-- that revealed or changed the data, the one its log lines carry, so that an
-- auditor can go from an event to the server's logs of it and back. '' for
-- what the command line did, and for every event written before this
-- migration.
--
-- The hash chain covers it (internal/audit.ComputeHash): an event with a
-- request ID is hashed under version 2 of the encoding, one without it under
-- version 1, as before, so the events already written keep their hashes. The
-- default is a constant: adding the column rewrites no row and fires no
-- trigger, and the append-only log stays untouched.

ALTER TABLE audit_event
    ADD COLUMN request_id text NOT NULL DEFAULT ''
    CHECK (request_id ~ '^[A-Za-z0-9._-]{0,64}$');

---- create above / drop below ----

-- Dropping the column loses the request IDs, and with them the contents that
-- the hashes of the events that had one cover: `jaring audit verify` names
-- the first such event as broken afterwards. Go down past 014 only on a copy.
ALTER TABLE audit_event DROP COLUMN request_id;
