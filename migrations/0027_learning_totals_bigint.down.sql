-- Refused (numeric out of range) while a learner's total is past 2^31 - 1: the previous version cannot hold it.
ALTER TABLE "learning_stats" ALTER COLUMN "total_learning_time" SET DATA TYPE integer;--> statement-breakpoint
ALTER TABLE "learning_stats" ALTER COLUMN "points_earned" SET DATA TYPE integer;
