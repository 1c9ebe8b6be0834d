-- The previous version hashes every payload itself: it would report each row sealed over a digest, and each erased
-- payload, as tampered.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM "audit_logs" WHERE "payload_digest" IS NOT NULL OR "payload_erased_at" IS NOT NULL) THEN
    RAISE EXCEPTION 'audit rows are hashed over a digest of their payload (chain version 2) or have it erased, which the previous version cannot verify: restore a backup taken before the upgrade instead';
  END IF;
END $$;--> statement-breakpoint
DROP INDEX IF EXISTS "webhook_deliveries_subjects_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "audit_logs_subjects_idx";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP COLUMN IF EXISTS "subjects";--> statement-breakpoint
ALTER TABLE "audit_logs" DROP COLUMN IF EXISTS "subjects";--> statement-breakpoint
ALTER TABLE "audit_logs" DROP COLUMN IF EXISTS "payload_erased_at";--> statement-breakpoint
ALTER TABLE "audit_logs" DROP COLUMN IF EXISTS "payload_digest";
