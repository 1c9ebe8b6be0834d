DROP INDEX IF EXISTS "audit_logs_entity_id_idx";
