ALTER TABLE "sessions" DROP COLUMN IF EXISTS "impersonation_reason";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN IF EXISTS "impersonator_id";
