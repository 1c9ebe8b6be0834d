ALTER TABLE "user_invitations" ADD COLUMN "role_id" uuid;--> statement-breakpoint
UPDATE "user_invitations" SET "role_id" = "role_ids"[1];--> statement-breakpoint
ALTER TABLE "user_invitations" ADD CONSTRAINT "user_invitations_role_id_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."roles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
DROP INDEX IF EXISTS "user_invitations_organization_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "user_invitations_pending_setup_unique";--> statement-breakpoint
DROP INDEX IF EXISTS "user_invitations_pending_unique";--> statement-breakpoint
DROP INDEX IF EXISTS "user_invitations_user_idx";--> statement-breakpoint
-- Set-password invitations have no organization, which the earlier schema requires.
DELETE FROM "user_invitations" WHERE "organization_id" IS NULL;--> statement-breakpoint
ALTER TABLE "user_invitations" ALTER COLUMN "organization_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "purpose";--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "user_id";--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "role_ids";--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "permissions";--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "user_type_id";--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "plan";--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "message";--> statement-breakpoint
CREATE INDEX "user_invitations_organization_idx" ON "user_invitations" USING btree ("organization_id");--> statement-breakpoint
DROP TYPE "public"."invitation_purpose";--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "password_change_required";--> statement-breakpoint
-- An enum value cannot be dropped: the type is made again without it.
DELETE FROM "one_time_tokens" WHERE "purpose" = 'PASSWORD_CHANGE';--> statement-breakpoint
ALTER TYPE "public"."one_time_token_purpose" RENAME TO "one_time_token_purpose_old";--> statement-breakpoint
CREATE TYPE "public"."one_time_token_purpose" AS ENUM('EMAIL_VERIFICATION', 'PASSWORD_RESET', 'EMAIL_CHANGE', 'SET_PASSWORD');--> statement-breakpoint
ALTER TABLE "one_time_tokens" ALTER COLUMN "purpose" TYPE "public"."one_time_token_purpose" USING "purpose"::text::"public"."one_time_token_purpose";--> statement-breakpoint
DROP TYPE "public"."one_time_token_purpose_old";
