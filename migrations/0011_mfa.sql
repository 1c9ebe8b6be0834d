ALTER TYPE "public"."mfa_factor_type" ADD VALUE 'WEBAUTHN';--> statement-breakpoint
CREATE TABLE "mfa_challenges" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid,
	"purpose" varchar(30) NOT NULL,
	"token_hash" varchar(64) NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mfa_challenges_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD COLUMN "name" varchar(100);--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD COLUMN "last_step" bigint;--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD COLUMN "credential_id" text;--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD COLUMN "counter" bigint;--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD COLUMN "transports" jsonb;--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD COLUMN "backed_up" boolean;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "mfa_policy" varchar(30);--> statement-breakpoint
ALTER TABLE "mfa_challenges" ADD CONSTRAINT "mfa_challenges_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mfa_challenges_expires_idx" ON "mfa_challenges" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD CONSTRAINT "mfa_factors_credential_id_unique" UNIQUE("credential_id");