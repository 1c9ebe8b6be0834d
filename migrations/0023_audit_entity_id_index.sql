-- A person's rows whatever their entity, newest first: the export reads its audit trail a page at a time through it.
CREATE INDEX "audit_logs_entity_id_idx" ON "audit_logs" USING btree ("entity_id","id");
