ALTER TABLE "organizations" ADD COLUMN "brand_name" varchar(100);--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "brand_logo_url" varchar(2000);--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "brand_primary_color" varchar(7);