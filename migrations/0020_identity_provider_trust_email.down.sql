ALTER TABLE "identity_providers" DROP COLUMN IF EXISTS "trust_email_verified";
