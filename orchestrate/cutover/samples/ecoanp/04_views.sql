-- EcoAnP legacy views and the materialized view, run as ecoanp_owner.
CREATE VIEW core.v_device_inventory AS
SELECT d.id AS device_id, d.serial_no, d.kind, d.status, d.installed_on,
       s.id AS site_id, s.name AS site_name, o.id AS org_id, o.code AS org_code
  FROM core.devices d
  JOIN core.sites s ON s.id = d.site_id
  JOIN core.organizations o ON o.id = d.org_id;
COMMENT ON VIEW core.v_device_inventory IS 'Devices with their site and organization';

CREATE VIEW telemetry.v_latest_readings AS
SELECT DISTINCT ON (r.device_id, r.metric)
       r.device_id, r.metric, r.measured_at, r.value, r.quality
  FROM telemetry.sensor_readings r
 ORDER BY r.device_id, r.metric, r.measured_at DESC;

CREATE VIEW telemetry.v_open_alerts AS
SELECT a.*, d.org_id
  FROM telemetry.alerts a
  JOIN core.devices d ON d.id = a.device_id
 WHERE a.acknowledged_at IS NULL;

-- The TimescaleDB continuous aggregate in production (time_bucket('1 day', measured_at));
-- a plain materialized view here, refreshed after each load.
CREATE MATERIALIZED VIEW telemetry.daily_device_averages AS
SELECT r.device_id,
       (date_trunc('day', r.measured_at AT TIME ZONE 'UTC'))::date AS day,
       r.metric,
       count(*) AS readings,
       avg(r.value) AS avg_value,
       min(r.value) AS min_value,
       max(r.value) AS max_value
  FROM telemetry.sensor_readings r
 WHERE r.quality >= 80
 GROUP BY 1, 2, 3
WITH NO DATA;
CREATE UNIQUE INDEX daily_device_averages_key
    ON telemetry.daily_device_averages (device_id, day, metric);
COMMENT ON MATERIALIZED VIEW telemetry.daily_device_averages IS
    'Daily averages of good readings per device and metric';
