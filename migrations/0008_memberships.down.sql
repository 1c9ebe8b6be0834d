-- A grant held in several organizations collapses to one platform-wide grant, as before memberships.
DELETE FROM "user_roles" a USING "user_roles" b
WHERE a."user_id" = b."user_id" AND a."role_id" = b."role_id" AND a.ctid > b.ctid;--> statement-breakpoint
DELETE FROM "user_permissions" a USING "user_permissions" b
WHERE a."user_id" = b."user_id" AND a."permission_id" = b."permission_id" AND a.ctid > b.ctid;--> statement-breakpoint
ALTER TABLE "user_roles" DROP CONSTRAINT IF EXISTS "user_roles_scope_unique";--> statement-breakpoint
ALTER TABLE "user_permissions" DROP CONSTRAINT IF EXISTS "user_permissions_scope_unique";--> statement-breakpoint
ALTER TABLE "user_roles" DROP COLUMN IF EXISTS "organization_id";--> statement-breakpoint
ALTER TABLE "user_permissions" DROP COLUMN IF EXISTS "organization_id";--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_role_id_pk" PRIMARY KEY ("user_id", "role_id");--> statement-breakpoint
ALTER TABLE "user_permissions" ADD CONSTRAINT "user_permissions_user_id_permission_id_pk" PRIMARY KEY ("user_id", "permission_id");--> statement-breakpoint
DROP TABLE IF EXISTS "organization_memberships";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."membership_status";
