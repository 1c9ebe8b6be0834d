DROP TABLE IF EXISTS "oidc_artifacts";--> statement-breakpoint
DROP TABLE IF EXISTS "applications";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."application_kind";
