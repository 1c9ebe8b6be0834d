CREATE TABLE "mfa_remembered_devices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" varchar(64) NOT NULL,
	"user_agent" varchar(500),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "mfa_remembered_devices_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "mfa_remembered_devices" ADD CONSTRAINT "mfa_remembered_devices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mfa_remembered_devices_user_idx" ON "mfa_remembered_devices" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "mfa_remembered_devices_expires_idx" ON "mfa_remembered_devices" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "mfa_challenges_user_purpose_idx" ON "mfa_challenges" USING btree ("user_id","purpose");