-- An enum value cannot be dropped: the type is made again without it.
DELETE FROM "one_time_tokens" WHERE "purpose" = 'REGISTRATION_DISPUTE';--> statement-breakpoint
ALTER TYPE "public"."one_time_token_purpose" RENAME TO "one_time_token_purpose_old";--> statement-breakpoint
CREATE TYPE "public"."one_time_token_purpose" AS ENUM('EMAIL_VERIFICATION', 'PASSWORD_RESET', 'EMAIL_CHANGE', 'SET_PASSWORD', 'PASSWORD_CHANGE', 'EMAIL_CHANGE_REVERT');--> statement-breakpoint
ALTER TABLE "one_time_tokens" ALTER COLUMN "purpose" TYPE "public"."one_time_token_purpose" USING "purpose"::text::"public"."one_time_token_purpose";--> statement-breakpoint
DROP TYPE "public"."one_time_token_purpose_old";
