-- A session the hosted pages began is a browser's: only such a session opens the pages (its first refresh token is the
-- cookie), and POST /auth/refresh-token refuses its token. Any other session is an API client's, whose refresh token
-- no longer works as the cookie.
ALTER TABLE "sessions" ADD COLUMN "browser" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- The live sessions begun before the upgrade: a browser's is the one whose sign-in the audit trail records as done
-- through the hosted pages (via: hosted), so browsers signed in stay signed in.
UPDATE "sessions" SET "browser" = true
WHERE "revoked_at" IS NULL AND "expires_at" > now()
  AND EXISTS (
    SELECT 1 FROM "audit_logs"
    WHERE "audit_logs"."entity_id" = "sessions"."id"::text AND "audit_logs"."action" = 'auth.login'
      AND "audit_logs"."payload"->>'via' = 'hosted'
  );
