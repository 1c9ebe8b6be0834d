DROP INDEX IF EXISTS "mfa_challenges_user_purpose_idx";
DROP TABLE IF EXISTS "mfa_remembered_devices";
