-- EcoAnP legacy roles (cluster-wide: run on the maintenance database, idempotent).
-- ecoanp_owner owns every schema and table (a non-superuser, so FORCE ROW LEVEL SECURITY
-- filters it too); the three others are what the application and its jobs log in as.
DO $roles$
DECLARE
    wanted text[] := ARRAY['ecoanp_owner', 'ecoanp_app', 'ecoanp_reporting', 'ecoanp_ingest'];
    name text;
BEGIN
    FOREACH name IN ARRAY wanted LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', name);
        END IF;
    END LOOP;
END
$roles$;
