-- EcoAnP legacy PL/pgSQL functions and the triggers that use them, run as ecoanp_owner.

-- The tenant of this session: SET app.org_id = '1' (NULL when unset).
CREATE FUNCTION core.current_org_id() RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN nullif(current_setting('app.org_id', true), '')::integer;
END
$$;
COMMENT ON FUNCTION core.current_org_id() IS 'The organization RLS policies filter on';

CREATE FUNCTION core.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- SECURITY DEFINER: application roles write audit rows without a grant on audit_log.
CREATE FUNCTION audit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, audit AS $$
DECLARE
    pk text;
BEGIN
    pk := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ->> 'id' ELSE to_jsonb(NEW) ->> 'id' END;
    INSERT INTO audit.audit_log (table_name, row_pk, action, changed_by, old_row, new_row)
    VALUES (
        TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
        pk,
        TG_OP,
        session_user,
        CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END,
        CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END
    );
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- Share of good readings (quality >= 80) in percent, 0 for a retired device, NULL with no
-- readings at all.
CREATE FUNCTION telemetry.device_health(p_device_id bigint) RETURNS numeric
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_status text;
    v_total bigint;
    v_good bigint;
BEGIN
    SELECT status INTO v_status FROM core.devices WHERE id = p_device_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no device %', p_device_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_status = 'retired' THEN
        RETURN 0;
    END IF;
    SELECT count(*), count(*) FILTER (WHERE quality >= 80)
      INTO v_total, v_good
      FROM telemetry.sensor_readings
     WHERE device_id = p_device_id;
    IF v_total = 0 THEN
        RETURN NULL;
    END IF;
    RETURN round(100.0 * v_good / v_total, 2);
END
$$;
COMMENT ON FUNCTION telemetry.device_health(bigint) IS 'Percent of good-quality readings';

-- Nearest documents by cosine distance, for the assistant.
CREATE FUNCTION ai.match_knowledge(p_query vector, p_limit integer DEFAULT 5)
RETURNS TABLE (id bigint, title text, distance double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT k.id, k.title, k.content_embedding <=> p_query
      FROM ai.ai_knowledge_base k
     ORDER BY k.content_embedding <=> p_query
     LIMIT p_limit;
END
$$;

CREATE TRIGGER organizations_touch BEFORE UPDATE ON core.organizations
    FOR EACH ROW EXECUTE FUNCTION core.touch_updated_at();
CREATE TRIGGER sites_touch BEFORE UPDATE ON core.sites
    FOR EACH ROW EXECUTE FUNCTION core.touch_updated_at();
CREATE TRIGGER devices_touch BEFORE UPDATE ON core.devices
    FOR EACH ROW EXECUTE FUNCTION core.touch_updated_at();
CREATE TRIGGER users_touch BEFORE UPDATE ON core.users
    FOR EACH ROW EXECUTE FUNCTION core.touch_updated_at();
CREATE TRIGGER ai_knowledge_base_touch BEFORE UPDATE ON ai.ai_knowledge_base
    FOR EACH ROW EXECUTE FUNCTION core.touch_updated_at();

CREATE TRIGGER organizations_audit AFTER INSERT OR UPDATE OR DELETE ON core.organizations
    FOR EACH ROW EXECUTE FUNCTION audit.log_change();
CREATE TRIGGER devices_audit AFTER INSERT OR UPDATE OR DELETE ON core.devices
    FOR EACH ROW EXECUTE FUNCTION audit.log_change();
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON core.users
    FOR EACH ROW EXECUTE FUNCTION audit.log_change();
CREATE TRIGGER ai_knowledge_base_audit AFTER INSERT OR UPDATE OR DELETE ON ai.ai_knowledge_base
    FOR EACH ROW EXECUTE FUNCTION audit.log_change();
