-- The role the application works as. Migrations run as the database's
-- owner; the server's connections SET ROLE jaring_app, so that even a bug or
-- an injected statement in the application cannot edit the audit log: the
-- role may only insert and read it (and the trigger of 006 refuses the
-- owner too).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jaring_app') THEN
        CREATE ROLE jaring_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another database of this cluster made it at the same moment
END
$$;

GRANT jaring_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO jaring_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    region, organisation, household, person, benefit_kind, program, benefit,
    application, referral, donor_program
    TO jaring_app;
GRANT SELECT, INSERT ON audit_event TO jaring_app;
GRANT SELECT ON schema_version TO jaring_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO jaring_app;

---- create above / drop below ----

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM jaring_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM jaring_app;
REVOKE USAGE ON SCHEMA public FROM jaring_app;
