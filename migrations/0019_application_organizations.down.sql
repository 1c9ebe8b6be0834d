DROP INDEX IF EXISTS "applications_organization_idx";--> statement-breakpoint
ALTER TABLE "applications" DROP CONSTRAINT IF EXISTS "applications_organization_id_organizations_id_fk";--> statement-breakpoint
ALTER TABLE "applications" DROP COLUMN IF EXISTS "organization_id";
