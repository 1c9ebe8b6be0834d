-- The OpenID provider's artifacts are kept under the SHA-256 of their id (hex), as the adapter now stores them: a refresh
-- token's, an authorization code's and an opaque access token's id is the token itself, a session's and an
-- interaction's is its cookie. Grants keep theirs (no credential; the API names grants by it). The copy of the id in
-- the payload (`jti`) goes, and so does the session cookie an interaction kept; the adapter gives `jti` back from the
-- value it is asked for, so every artifact in flight is found after the upgrade. A row already under a digest (64 hex
-- digits: no id the library makes is that long) is left as it is.
UPDATE "oidc_artifacts"
SET "id" = encode(sha256(convert_to("id", 'UTF8')), 'hex'),
    "payload" = CASE WHEN "model" = 'Interaction' THEN ("payload" - 'jti') #- '{session,cookie}' ELSE "payload" - 'jti' END
WHERE "model" <> 'Grant' AND "id" !~ '^[0-9a-f]{64}$';
