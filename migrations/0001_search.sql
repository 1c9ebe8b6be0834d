-- Free-text search over users: case- and accent-insensitive trigram matching (pg_trgm + unaccent).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
-- unaccent() is only STABLE (its dictionary could change); naming the dictionary explicitly makes
-- this wrapper safe to declare IMMUTABLE, which an expression index requires. Names inside bodies are
-- schema-qualified because index maintenance runs with a locked-down search_path (PostgreSQL 17+).
CREATE OR REPLACE FUNCTION tessera_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION tessera_user_search_key(email text, username text, first_name text, last_name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT public.tessera_fold(concat_ws(' ', email, username, first_name, last_name)) $$;--> statement-breakpoint
CREATE INDEX "users_search_trgm_idx" ON "users" USING gin (tessera_user_search_key("email", "username", "first_name", "last_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "users_name_trgm_idx" ON "users" USING gin (tessera_fold("first_name" || ' ' || "last_name") gin_trgm_ops);
