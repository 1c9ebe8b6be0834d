DROP TABLE IF EXISTS "oauth_codes";--> statement-breakpoint
DROP TABLE IF EXISTS "oauth_flows";--> statement-breakpoint
DROP TABLE IF EXISTS "identity_providers";--> statement-breakpoint
ALTER TABLE "user_identities" DROP COLUMN IF EXISTS "last_sign_in_at";--> statement-breakpoint
ALTER TABLE "user_identities" DROP COLUMN IF EXISTS "email_verified";--> statement-breakpoint
ALTER TABLE "user_identities" DROP COLUMN IF EXISTS "email";
