CREATE TYPE "public"."membership_status" AS ENUM('ACTIVE', 'SUSPENDED');--> statement-breakpoint
CREATE TABLE "organization_memberships" (
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"status" "membership_status" DEFAULT 'ACTIVE' NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"invited_by" uuid,
	CONSTRAINT "organization_memberships_organization_id_user_id_pk" PRIMARY KEY("organization_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "user_permissions" DROP CONSTRAINT "user_permissions_user_id_permission_id_pk";--> statement-breakpoint
ALTER TABLE "user_roles" DROP CONSTRAINT "user_roles_user_id_role_id_pk";--> statement-breakpoint
ALTER TABLE "user_permissions" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "user_roles" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "organization_memberships" ADD CONSTRAINT "organization_memberships_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_memberships" ADD CONSTRAINT "organization_memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_memberships" ADD CONSTRAINT "organization_memberships_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organization_memberships_user_idx" ON "organization_memberships" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "user_permissions" ADD CONSTRAINT "user_permissions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_permissions" ADD CONSTRAINT "user_permissions_scope_unique" UNIQUE NULLS NOT DISTINCT("user_id","permission_id","organization_id");--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_scope_unique" UNIQUE NULLS NOT DISTINCT("user_id","role_id","organization_id");--> statement-breakpoint
-- backfill (hand-written)
-- Every person's organization becomes a membership, and the roles and direct permissions they hold become
-- grants within it, except the platform-wide ones (a super-admin role, a role or grant carrying tenants:all),
-- which stay global: a one-organization deployment answers exactly as before.
INSERT INTO "organization_memberships" ("organization_id", "user_id", "status", "joined_at")
SELECT "organization_id", "id", 'ACTIVE', "created_at" FROM "users" WHERE "organization_id" IS NOT NULL
ON CONFLICT DO NOTHING;--> statement-breakpoint
UPDATE "user_roles" AS ur SET "organization_id" = u."organization_id"
FROM "users" AS u, "roles" AS r
WHERE ur."user_id" = u."id" AND r."id" = ur."role_id" AND u."organization_id" IS NOT NULL AND NOT r."is_super_admin"
  AND NOT EXISTS (
    SELECT 1 FROM "role_permissions" rp JOIN "permissions" p ON p."id" = rp."permission_id"
    WHERE rp."role_id" = r."id" AND p."name" = 'tenants:all'
  );--> statement-breakpoint
UPDATE "user_permissions" AS up SET "organization_id" = u."organization_id"
FROM "users" AS u, "permissions" AS p
WHERE up."user_id" = u."id" AND p."id" = up."permission_id" AND u."organization_id" IS NOT NULL AND p."name" <> 'tenants:all';
