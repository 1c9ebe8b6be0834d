ALTER TABLE "organizations" DROP COLUMN IF EXISTS "brand_primary_color";--> statement-breakpoint
ALTER TABLE "organizations" DROP COLUMN IF EXISTS "brand_logo_url";--> statement-breakpoint
ALTER TABLE "organizations" DROP COLUMN IF EXISTS "brand_name";
