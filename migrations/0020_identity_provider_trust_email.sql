ALTER TABLE "identity_providers" ADD COLUMN "trust_email_verified" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Providers added before the setting trusted their email_verified: they keep doing so until an administrator says otherwise.
UPDATE "identity_providers" SET "trust_email_verified" = true;
