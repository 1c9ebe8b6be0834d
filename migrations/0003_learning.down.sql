DROP INDEX IF EXISTS "user_activities_user_created_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "user_activities_user_type_created_idx";--> statement-breakpoint
CREATE INDEX "user_activities_user_created_idx" ON "user_activities" USING btree ("user_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "user_activities_type_idx" ON "user_activities" USING btree ("activity_type");--> statement-breakpoint
DROP INDEX IF EXISTS "user_skills_name_trgm_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "user_skills_user_name_unique";--> statement-breakpoint
ALTER TABLE "user_skills" ADD CONSTRAINT "user_skills_user_skill_unique" UNIQUE("user_id","skill_name");--> statement-breakpoint
DROP TABLE IF EXISTS "learning_events";--> statement-breakpoint
DROP TABLE IF EXISTS "learning_days";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."learning_event_type";
