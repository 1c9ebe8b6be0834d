CREATE TYPE "public"."application_kind" AS ENUM('web', 'spa', 'native', 'service');--> statement-breakpoint
CREATE TABLE "applications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"client_id" varchar(64) NOT NULL,
	"name" varchar(200) NOT NULL,
	"kind" "application_kind" NOT NULL,
	"redirect_uris" jsonb NOT NULL,
	"post_logout_redirect_uris" jsonb NOT NULL,
	"scopes" jsonb NOT NULL,
	"first_party" boolean DEFAULT false NOT NULL,
	"logo_uri" text,
	"id_token_signing_alg" varchar(10) DEFAULT 'RS256' NOT NULL,
	"owner_id" uuid,
	"secret_hash" varchar(64),
	"previous_secret_hash" varchar(64),
	"previous_secret_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "applications_client_id_unique" UNIQUE("client_id")
);
--> statement-breakpoint
CREATE TABLE "oidc_artifacts" (
	"model" varchar(40) NOT NULL,
	"id" varchar(255) NOT NULL,
	"payload" jsonb NOT NULL,
	"account_id" varchar(255),
	"grant_id" varchar(255),
	"uid" varchar(255),
	"consumed_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oidc_artifacts_model_id_pk" PRIMARY KEY("model","id")
);
--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oidc_artifacts_grant_idx" ON "oidc_artifacts" USING btree ("grant_id");--> statement-breakpoint
CREATE INDEX "oidc_artifacts_account_idx" ON "oidc_artifacts" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "oidc_artifacts_uid_idx" ON "oidc_artifacts" USING btree ("uid");--> statement-breakpoint
CREATE INDEX "oidc_artifacts_expires_idx" ON "oidc_artifacts" USING btree ("expires_at");