CREATE TYPE "public"."invitation_purpose" AS ENUM('JOIN_ORGANIZATION', 'SET_PASSWORD');--> statement-breakpoint
ALTER TYPE "public"."one_time_token_purpose" ADD VALUE 'PASSWORD_CHANGE';--> statement-breakpoint
ALTER TABLE "user_invitations" DROP CONSTRAINT "user_invitations_role_id_roles_id_fk";
--> statement-breakpoint
DROP INDEX "user_invitations_organization_idx";--> statement-breakpoint
ALTER TABLE "user_invitations" ALTER COLUMN "organization_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD COLUMN "purpose" "invitation_purpose" DEFAULT 'JOIN_ORGANIZATION' NOT NULL;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD COLUMN "user_id" uuid;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD COLUMN "role_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD COLUMN "permissions" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD COLUMN "user_type_id" uuid;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD COLUMN "plan" varchar(50);--> statement-breakpoint
ALTER TABLE "user_invitations" ADD COLUMN "message" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "password_change_required" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD CONSTRAINT "user_invitations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_invitations" ADD CONSTRAINT "user_invitations_user_type_id_user_types_id_fk" FOREIGN KEY ("user_type_id") REFERENCES "public"."user_types"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "user_invitations_user_idx" ON "user_invitations" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "user_invitations_pending_unique" ON "user_invitations" USING btree ("organization_id","email") WHERE "user_invitations"."status" = 'PENDING' AND "user_invitations"."purpose" = 'JOIN_ORGANIZATION';--> statement-breakpoint
CREATE UNIQUE INDEX "user_invitations_pending_setup_unique" ON "user_invitations" USING btree ("user_id") WHERE "user_invitations"."status" = 'PENDING' AND "user_invitations"."purpose" = 'SET_PASSWORD';--> statement-breakpoint
CREATE INDEX "user_invitations_organization_idx" ON "user_invitations" USING btree ("organization_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
ALTER TABLE "user_invitations" DROP COLUMN "role_id";