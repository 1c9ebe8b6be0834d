ALTER TABLE "sessions" DROP COLUMN IF EXISTS "browser";
