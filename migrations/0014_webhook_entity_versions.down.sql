DROP TABLE IF EXISTS "webhook_entity_versions";
