ALTER TABLE "learning_stats" ALTER COLUMN "total_learning_time" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "learning_stats" ALTER COLUMN "points_earned" SET DATA TYPE bigint;