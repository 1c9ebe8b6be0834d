-- An interaction now keeps the id of the pushed authorization request it resumes (`parJti`) and the address it returns
-- to (`returnTo`, whose path is its own id) sealed under a key derived from its id. The ones stored before hold both in
-- the clear: they go, so whoever was signing in to an application at the upgrade starts that sign-in again.
DELETE FROM "oidc_artifacts" WHERE "model" = 'Interaction' AND "payload"->>'returnTo' NOT LIKE 'enc:v1:%';
