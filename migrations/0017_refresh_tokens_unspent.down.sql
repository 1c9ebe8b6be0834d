DROP INDEX IF EXISTS "refresh_tokens_session_used_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "refresh_tokens_session_idx" ON "refresh_tokens" USING btree ("session_id");
