ALTER TABLE "audit_logs" ADD COLUMN "payload_digest" varchar(64);--> statement-breakpoint
ALTER TABLE "audit_logs" ADD COLUMN "payload_erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "audit_logs" ADD COLUMN "subjects" varchar(64)[];--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "subjects" varchar(64)[];--> statement-breakpoint
-- Rows written before name their subjects too, digested as src/platform/erasure.ts does (the entity's id, and every
-- string of the content that is an address), so that an erasure finds them. Their hash stays version 1 (no digest).
UPDATE "audit_logs" SET "subjects" = (
  SELECT array_agg(DISTINCT encode(sha256(convert_to(lower(btrim(named.subject)), 'UTF8')), 'hex'))
  FROM (
    SELECT "audit_logs"."entity_id" AS subject WHERE "audit_logs"."entity_id" IS NOT NULL
    UNION ALL
    SELECT item #>> '{}' FROM jsonb_path_query("audit_logs"."payload", 'strict $.**') AS item
    WHERE jsonb_typeof(item) = 'string' AND (item #>> '{}') ~ '^[^[:space:]@]+@[^[:space:]@]+$'
  ) AS named
);--> statement-breakpoint
UPDATE "webhook_deliveries" SET "subjects" = (
  SELECT array_agg(DISTINCT encode(sha256(convert_to(lower(btrim(named.subject)), 'UTF8')), 'hex'))
  FROM (
    SELECT "webhook_deliveries"."body"::jsonb #>> '{data,id}' AS subject
    UNION ALL
    SELECT item #>> '{}' FROM jsonb_path_query("webhook_deliveries"."body"::jsonb -> 'data', 'strict $.**') AS item
    WHERE jsonb_typeof(item) = 'string' AND (item #>> '{}') ~ '^[^[:space:]@]+@[^[:space:]@]+$'
  ) AS named
  WHERE named.subject IS NOT NULL
);--> statement-breakpoint
CREATE INDEX "audit_logs_subjects_idx" ON "audit_logs" USING gin ("subjects");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_subjects_idx" ON "webhook_deliveries" USING gin ("subjects");
