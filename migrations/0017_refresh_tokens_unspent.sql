DROP INDEX "refresh_tokens_session_idx";--> statement-breakpoint
CREATE INDEX "refresh_tokens_session_used_idx" ON "refresh_tokens" USING btree ("session_id","used_at");