DROP TABLE IF EXISTS "users" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_types" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "profiles" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "organizations" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "email_outbox" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_skills" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_goals" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_activities" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "learning_stats" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "learning_preferences" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_invitations" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_identities" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "signing_keys" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "sessions" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "refresh_tokens" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "one_time_tokens" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "mfa_factors" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "api_keys" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "audit_logs" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_roles" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "user_permissions" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "subscriptions" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "subscription_plans" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "roles" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "role_permissions" CASCADE;--> statement-breakpoint
DROP TABLE IF EXISTS "permissions" CASCADE;--> statement-breakpoint
DROP TYPE IF EXISTS "public"."subscription_status";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."mfa_factor_type";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."one_time_token_purpose";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."signing_key_status";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."invitation_status";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."activity_type";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."difficulty_level";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."font_size";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."goal_status";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."goal_type";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."pace_preference";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."priority";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."proficiency_level";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."reminder_frequency";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."email_status";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."organization_status";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."gender";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."profile_visibility";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."user_status";
