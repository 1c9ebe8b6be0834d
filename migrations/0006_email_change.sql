ALTER TYPE "public"."one_time_token_purpose" ADD VALUE 'EMAIL_CHANGE_REVERT';--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "pending_email" varchar(254);--> statement-breakpoint
CREATE INDEX "users_pending_email_idx" ON "users" USING btree ("pending_email") WHERE "users"."pending_email" IS NOT NULL;