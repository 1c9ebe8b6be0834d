DROP TABLE IF EXISTS "webhook_deliveries";--> statement-breakpoint
DROP TABLE IF EXISTS "webhooks";
