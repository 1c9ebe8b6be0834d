-- Learning records: stored learning events (idempotent by the reporter's id) and per-day rollups for the
-- statistics; skill names unique per user whatever their case, with a trigram index for the catalogue;
-- activity indexes for keyset pages newest first. The unique index fails (and nothing is applied) if a
-- user already holds two skills whose names differ only in case: merge them first.
CREATE TYPE "public"."learning_event_type" AS ENUM('course.enrolled', 'course.completed', 'lesson.completed', 'assessment.completed', 'certificate.earned', 'badge.earned', 'points.earned');--> statement-breakpoint
CREATE TABLE "learning_days" (
	"user_id" uuid NOT NULL,
	"day" date NOT NULL,
	"logins" integer DEFAULT 0 NOT NULL,
	"lessons" integer DEFAULT 0 NOT NULL,
	"minutes" integer DEFAULT 0 NOT NULL,
	"assessments" integer DEFAULT 0 NOT NULL,
	"score_sum" numeric DEFAULT '0' NOT NULL,
	CONSTRAINT "learning_days_pk" PRIMARY KEY("user_id","day")
);
--> statement-breakpoint
CREATE TABLE "learning_events" (
	"user_id" uuid NOT NULL,
	"event_id" varchar(100) NOT NULL,
	"type" "learning_event_type" NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"day" date NOT NULL,
	"course_id" uuid,
	"lesson_id" uuid,
	"minutes" integer,
	"score" double precision,
	"passed" boolean,
	"points" integer,
	"reference" varchar(100),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "learning_events_pk" PRIMARY KEY("user_id","event_id")
);
--> statement-breakpoint
ALTER TABLE "user_skills" DROP CONSTRAINT "user_skills_user_skill_unique";--> statement-breakpoint
DROP INDEX "user_activities_type_idx";--> statement-breakpoint
DROP INDEX "user_activities_user_created_idx";--> statement-breakpoint
ALTER TABLE "learning_days" ADD CONSTRAINT "learning_days_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_events" ADD CONSTRAINT "learning_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "learning_events_user_occurred_idx" ON "learning_events" USING btree ("user_id","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "user_activities_user_type_created_idx" ON "user_activities" USING btree ("user_id","activity_type","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "user_skills_user_name_unique" ON "user_skills" USING btree ("user_id",lower("skill_name"));--> statement-breakpoint
CREATE INDEX "user_skills_name_trgm_idx" ON "user_skills" USING gin (lower("skill_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "user_activities_user_created_idx" ON "user_activities" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);