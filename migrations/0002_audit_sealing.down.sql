-- The previous schema has no room for a row without a hash, and chains rows in id order.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM "audit_logs" WHERE "seq" IS NULL) THEN
    RAISE EXCEPTION 'audit rows are waiting to be sealed: run Tessera (JOBS_ENABLED=true) until they are, then roll back';
  END IF;
  -- A row committed after a later id was sealed sits behind it in the chain: renumber ids by chain position
  -- (through negatives, so no two rows share an id on the way) so that id order is chain order again.
  IF EXISTS (SELECT 1 FROM (SELECT "seq" < lag("seq") OVER (ORDER BY "id") AS behind FROM "audit_logs") AS t WHERE behind) THEN
    UPDATE "audit_logs" SET "id" = -"seq";
    UPDATE "audit_logs" SET "id" = -"id";
  END IF;
END $$;--> statement-breakpoint
ALTER TABLE "audit_logs" DROP CONSTRAINT IF EXISTS "audit_logs_sealed_whole";--> statement-breakpoint
DROP INDEX IF EXISTS "audit_logs_unsealed_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "audit_logs_seq_unique";--> statement-breakpoint
ALTER TABLE "audit_logs" DROP COLUMN IF EXISTS "seq";--> statement-breakpoint
ALTER TABLE "audit_logs" ALTER COLUMN "hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_logs" ALTER COLUMN "prev_hash" SET NOT NULL;
