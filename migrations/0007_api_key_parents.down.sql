DROP INDEX IF EXISTS "api_keys_created_by_key_idx";--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT IF EXISTS "api_keys_created_by_key_id_api_keys_id_fk";--> statement-breakpoint
ALTER TABLE "api_keys" DROP COLUMN IF EXISTS "created_by_key_id";
