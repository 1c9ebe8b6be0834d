DROP TABLE IF EXISTS "mfa_challenges";--> statement-breakpoint
ALTER TABLE "mfa_factors" DROP CONSTRAINT IF EXISTS "mfa_factors_credential_id_unique";--> statement-breakpoint
ALTER TABLE "mfa_factors" DROP COLUMN IF EXISTS "name";--> statement-breakpoint
ALTER TABLE "mfa_factors" DROP COLUMN IF EXISTS "last_step";--> statement-breakpoint
ALTER TABLE "mfa_factors" DROP COLUMN IF EXISTS "credential_id";--> statement-breakpoint
ALTER TABLE "mfa_factors" DROP COLUMN IF EXISTS "counter";--> statement-breakpoint
ALTER TABLE "mfa_factors" DROP COLUMN IF EXISTS "transports";--> statement-breakpoint
ALTER TABLE "mfa_factors" DROP COLUMN IF EXISTS "backed_up";--> statement-breakpoint
ALTER TABLE "organizations" DROP COLUMN IF EXISTS "mfa_policy";--> statement-breakpoint
-- An enum value cannot be dropped: the type is made again without it.
DELETE FROM "mfa_factors" WHERE "type" = 'WEBAUTHN';--> statement-breakpoint
ALTER TYPE "public"."mfa_factor_type" RENAME TO "mfa_factor_type_old";--> statement-breakpoint
CREATE TYPE "public"."mfa_factor_type" AS ENUM('TOTP', 'RECOVERY_CODE');--> statement-breakpoint
ALTER TABLE "mfa_factors" ALTER COLUMN "type" TYPE "public"."mfa_factor_type" USING "type"::text::"public"."mfa_factor_type";--> statement-breakpoint
DROP TYPE "public"."mfa_factor_type_old";
