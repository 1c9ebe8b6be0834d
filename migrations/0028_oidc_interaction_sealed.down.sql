-- The previous version reads an interaction's `parJti` and `returnTo` as they are stored: the sealed ones go, so whoever
-- was signing in to an application at the rollback starts that sign-in again.
DELETE FROM "oidc_artifacts" WHERE "model" = 'Interaction' AND "payload"->>'returnTo' LIKE 'enc:v1:%';
