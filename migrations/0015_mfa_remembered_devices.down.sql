DROP TABLE IF EXISTS "mfa_remembered_devices";
