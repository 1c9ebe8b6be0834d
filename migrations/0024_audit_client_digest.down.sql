-- The previous version hashes every row's IP address and user agent themselves: it would report each row sealed over
-- a digest of them, and each row whose client an erasure emptied, as tampered.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM "audit_logs" WHERE "client_digest" IS NOT NULL OR "client_erased_at" IS NOT NULL) THEN
    RAISE EXCEPTION 'audit rows are hashed over a digest of their IP address and user agent (chain version 3) or have them erased, which the previous version cannot verify: restore a backup taken before the upgrade instead';
  END IF;
END $$;--> statement-breakpoint
ALTER TABLE "audit_logs" DROP COLUMN IF EXISTS "client_erased_at";--> statement-breakpoint
ALTER TABLE "audit_logs" DROP COLUMN IF EXISTS "client_digest";
