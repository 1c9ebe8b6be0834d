-- The previous version looks an artifact up by the value itself, which no row holds any more: the artifacts it could
-- not find go (applications' codes, tokens and provider sessions, and interactions under way; grants stay), so people
-- sign in to applications again.
DELETE FROM "oidc_artifacts" WHERE "model" <> 'Grant';
