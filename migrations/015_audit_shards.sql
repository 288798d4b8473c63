-- The audit log in 64 chains (issue 13). Until now every audited change took
-- one lock, the chain's, and held it until commit, so that all of them
-- committed one after another however unrelated they were. From here on the
-- log is 1 + 64 hash chains, told apart by `shard`:
--
--   * shard 0 is the legacy chain: every event written before this
--     migration, ordered by id (1, 2, 3, … without gaps) as before, hashed
--     under versions 1 and 2 of the encoding (internal/audit.ComputeHash).
--     It is closed: the CHECK audit_event_legacy_closed, written below with
--     the last id it holds, refuses any event added to it.
--   * shards 1 to 64 (internal/audit.Shards) take the new events, each by a
--     stable hash of its first household's KK (or first NIK, or actor:
--     audit.ShardOf). Each has its own lock (pg_advisory_xact_lock of a key
--     per shard, internal/postgres/audit.go) and its own order, seq 1, 2,
--     3, … without gaps; its events are hashed under version 3, which covers
--     shard, seq and id. Changes to households of different shards take
--     different locks and commit side by side.
--
-- Ids stay unique and keep giving a global order (the trail pages by id),
-- but are drawn from a sequence inside the shard's lock, no longer as
-- max(id)+1 under the one lock: a rolled-back append uses up its id. Gaps in
-- ids therefore mean nothing any more; gaps in a shard's seqs (given under
-- the shard's lock from its newest event, so a rollback uses none up) are
-- what shows a removed event. Within a shard ids rise with seq, and every
-- new id is above the legacy chain's last (the sequence starts after it).
--
-- Nothing already written is rewritten: adding a column with a constant
-- default, or with none, changes no row and fires no trigger (as 014's
-- request_id did), so the legacy events keep shard 0, a NULL seq and their
-- hashes, and `jaring audit verify` passes on them as before. The
-- append-only triggers of 006 stay as they are. The default of shard is
-- dropped once the column exists: an appender must say where its event goes,
-- and a Jaring older than this migration, which would give ids as
-- max(id)+1, fails on the NOT NULL instead of writing into the closed chain.

ALTER TABLE audit_event
    ADD COLUMN shard smallint NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 64),
    ADD COLUMN seq bigint;
ALTER TABLE audit_event ALTER COLUMN shard DROP DEFAULT;

-- 006's `(id = 1) = (prev_hash IS NULL)`, per chain: the legacy chain starts
-- at id 1, a shard's chain at seq 1, and only a chain's first event has no
-- prev_hash.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_chain_check CHECK (
    CASE WHEN shard = 0 THEN seq IS NULL AND (id = 1) = (prev_hash IS NULL)
         ELSE seq IS NOT NULL AND seq >= 1 AND (seq = 1) = (prev_hash IS NULL) END);

-- One event per place in a shard's chain; the newest of a shard is read
-- through it (WHERE shard = $1 ORDER BY seq DESC LIMIT 1). The legacy
-- events' NULL seqs do not collide.
CREATE UNIQUE INDEX audit_event_shard_seq ON audit_event (shard, seq);

-- Ids from here on. jaring_app may draw them (USAGE: nextval) but not set the
-- sequence back (that takes UPDATE).
CREATE SEQUENCE audit_event_id_seq AS bigint OWNED BY audit_event.id;
GRANT USAGE ON SEQUENCE audit_event_id_seq TO jaring_app;

DO $$
DECLARE
    last bigint := (SELECT coalesce(max(id), 0) FROM audit_event);
BEGIN
    IF last > 0 THEN
        PERFORM setval('audit_event_id_seq', last);
    END IF;
    EXECUTE format('ALTER TABLE audit_event ADD CONSTRAINT audit_event_legacy_closed CHECK (shard > 0 OR id <= %s)', last);
END
$$;

---- create above / drop below ----

-- Going down works only while no event has been written into a shard: the
-- old single chain cannot hold them (their ids have gaps and their hashes are
-- version 3, which the old code does not know), and removing them would be
-- removing audit events. Otherwise it refuses, and the log stays as it is.
DO $$
BEGIN
    IF EXISTS (SELECT FROM audit_event WHERE shard > 0) THEN
        RAISE EXCEPTION 'audit_event holds events in shards 1 to 64, which the audit log before migration 015 cannot hold; not going down past 015'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;
ALTER TABLE audit_event DROP CONSTRAINT audit_event_legacy_closed;
DROP SEQUENCE audit_event_id_seq;
DROP INDEX audit_event_shard_seq;
ALTER TABLE audit_event DROP CONSTRAINT audit_event_chain_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_check CHECK ((id = 1) = (prev_hash IS NULL));
ALTER TABLE audit_event DROP COLUMN seq, DROP COLUMN shard;
