-- A hosted page's code for an app carries how the browser's session was proven (its amr), which the app's session takes.
ALTER TABLE "oauth_codes" ADD COLUMN "amr" text[];
