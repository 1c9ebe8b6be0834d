DROP INDEX IF EXISTS "users_phone_unique";--> statement-breakpoint
DROP INDEX IF EXISTS "users_phone_idx";--> statement-breakpoint
-- The index this restores allows one account per number: of several, the one that proved it keeps it, else the oldest.
UPDATE "users" SET "phone" = NULL, "phone_verified_at" = NULL WHERE "id" IN (
  SELECT "id" FROM (
    SELECT "id", row_number() OVER (PARTITION BY "phone" ORDER BY "phone_verified_at" IS NULL, "created_at", "id") AS "rank"
    FROM "users" WHERE "phone" IS NOT NULL
  ) AS "holders" WHERE "rank" > 1
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "users_phone_unique" ON "users" USING btree ("phone") WHERE "users"."phone" IS NOT NULL;
