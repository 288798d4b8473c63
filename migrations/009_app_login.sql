-- The application logs in as jaring_app itself, not as the database's owner
-- who then SET ROLEs to it: an owner's session can RESET ROLE, and the owner
-- may switch the audit log's triggers off. jaring_app is no superuser, may
-- create no roles or databases and owns nothing, so nothing it sends can
-- change the audit log. `jaring migrate` sets its password (a SCRAM
-- verifier computed by Jaring, so the password never reaches the server's
-- logs); `jaring serve` refuses to run as a superuser or as a member of the
-- audit log's owner unless told --allow-owner.
ALTER ROLE jaring_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

---- create above / drop below ----

ALTER ROLE jaring_app WITH NOLOGIN;
