-- EcoAnP legacy row-level security and privileges, run as ecoanp_owner.

-- Tenants see their own rows: SET app.org_id = '<id>'.
ALTER TABLE core.devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.devices FORCE ROW LEVEL SECURITY;  -- the owner too
CREATE POLICY devices_by_org ON core.devices
    USING (org_id = core.current_org_id());
CREATE POLICY devices_reporting ON core.devices FOR SELECT TO ecoanp_reporting, ecoanp_ingest
    USING (true);

ALTER TABLE core.sites ENABLE ROW LEVEL SECURITY;
CREATE POLICY sites_by_org ON core.sites
    USING (org_id = core.current_org_id());
CREATE POLICY sites_reporting ON core.sites FOR SELECT TO ecoanp_reporting USING (true);

ALTER TABLE core.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_read_own_org ON core.users FOR SELECT
    USING (org_id = core.current_org_id());
CREATE POLICY users_reporting ON core.users FOR SELECT TO ecoanp_reporting USING (true);
CREATE POLICY users_insert_own_org ON core.users FOR INSERT TO ecoanp_app
    WITH CHECK (org_id = core.current_org_id());
CREATE POLICY users_admin_write ON core.users FOR UPDATE TO ecoanp_app
    USING (org_id = core.current_org_id())
    WITH CHECK (org_id = core.current_org_id());

ALTER TABLE ai.ai_knowledge_base ENABLE ROW LEVEL SECURITY;
CREATE POLICY knowledge_shared_or_own ON ai.ai_knowledge_base FOR SELECT
    USING (org_id IS NULL OR org_id = core.current_org_id());
CREATE POLICY knowledge_own_write ON ai.ai_knowledge_base FOR ALL TO ecoanp_app
    USING (org_id = core.current_org_id())
    WITH CHECK (org_id = core.current_org_id());

-- Functions are not for everyone.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA core, telemetry, ai, audit FROM PUBLIC;

GRANT USAGE ON SCHEMA core, telemetry, ai TO ecoanp_app, ecoanp_reporting;
GRANT USAGE ON SCHEMA core, telemetry TO ecoanp_ingest;
GRANT USAGE ON SCHEMA audit TO ecoanp_reporting;

-- The application.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA core TO ecoanp_app;
GRANT SELECT ON ALL TABLES IN SCHEMA telemetry TO ecoanp_app;
GRANT UPDATE (acknowledged_by, acknowledged_at) ON telemetry.alerts TO ecoanp_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ai.ai_knowledge_base TO ecoanp_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA core TO ecoanp_app;
GRANT EXECUTE ON FUNCTION core.current_org_id(), core.touch_updated_at(),
    telemetry.device_health(bigint), ai.match_knowledge(vector, integer) TO ecoanp_app;

-- Read-only reporting.
GRANT SELECT ON ALL TABLES IN SCHEMA core, telemetry, ai, audit TO ecoanp_reporting;
GRANT EXECUTE ON FUNCTION core.current_org_id(), telemetry.device_health(bigint)
    TO ecoanp_reporting;

-- The ingest job: writes readings and alerts, reads devices.
GRANT SELECT ON core.devices TO ecoanp_ingest;
GRANT SELECT, INSERT ON telemetry.sensor_readings, telemetry.alerts TO ecoanp_ingest;
GRANT USAGE ON SEQUENCE telemetry.alerts_id_seq TO ecoanp_ingest;

-- Tables made later in telemetry are readable by reporting.
ALTER DEFAULT PRIVILEGES IN SCHEMA telemetry GRANT SELECT ON TABLES TO ecoanp_reporting;
