DROP INDEX IF EXISTS "users_name_trgm_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "users_search_trgm_idx";--> statement-breakpoint
DROP FUNCTION IF EXISTS tessera_user_search_key(text, text, text, text);--> statement-breakpoint
DROP FUNCTION IF EXISTS tessera_fold(text);
