-- Chain version 3: the hash covers a digest of the client (IP address, user agent), which an erasure may then empty.
ALTER TABLE "audit_logs" ADD COLUMN "client_digest" varchar(64);--> statement-breakpoint
ALTER TABLE "audit_logs" ADD COLUMN "client_erased_at" timestamp with time zone;
