DROP INDEX IF EXISTS "sessions_impersonator_idx";
