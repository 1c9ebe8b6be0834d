ALTER TABLE "audit_logs" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_logs" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_logs" ADD COLUMN "seq" bigint;--> statement-breakpoint
-- Rows written before sealing existed were chained in id order under one lock: they are sealed already,
-- and their position in the chain is their rank by id.
UPDATE "audit_logs" AS a SET "seq" = ranked.seq
FROM (SELECT "id", row_number() OVER (ORDER BY "id") AS seq FROM "audit_logs") AS ranked
WHERE a."id" = ranked."id";--> statement-breakpoint
CREATE UNIQUE INDEX "audit_logs_seq_unique" ON "audit_logs" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "audit_logs_unsealed_idx" ON "audit_logs" USING btree ("id") WHERE "audit_logs"."seq" IS NULL;--> statement-breakpoint
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_sealed_whole" CHECK (("audit_logs"."seq" IS NULL) = ("audit_logs"."hash" IS NULL) AND ("audit_logs"."hash" IS NULL) = ("audit_logs"."prev_hash" IS NULL));