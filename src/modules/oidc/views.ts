/**
 * The provider's own small pages (consent, sign-out confirmation, errors): plain HTML, every value escaped,
 * no script (the CSP allows none), styled like the hosted pages' plain fallback. They speak the hosted pages'
 * language, chosen as those pages choose it, from their catalogue (`PageWords`).
 */

import type { PageWords } from '../hosted/service.js';

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

// An application's name is its registrant's: one long word breaks within the page (overflow-wrap) instead of widening a phone's.
const page = (words: PageWords, title: string, body: string) => `<!doctype html>
<html lang="${words.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a;overflow-wrap:break-word}
button{font:inherit;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0;border-radius:.375rem;border:1px solid #888;background:#fff}
button.primary{background:#1a1a1a;color:#fff;border-color:#1a1a1a}li{margin:.25rem 0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;

export const messagePage = (words: PageWords, title: string, safeHtml: string) => page(words, title, `<p>${safeHtml}</p>`);

/**
 * A request the provider cannot send back to its application (an unknown application, a redirect URI it did not
 * register …): what happened and what to do in the person's words, then OAuth's error as the protocol names it
 * (RFC 6749 §4.1.2.1), untranslated and marked English, for the application's developers.
 */
export function errorPage(words: PageWords, error: { error: string; error_description?: string }) {
  const { t } = words;
  const said = error.error === 'server_error' ? t('oidc.failedOnOurSide') : t('oidc.failedRequest');
  const detail = [error.error, error.error_description].filter(Boolean).join(': ');
  return page(
    words,
    t('oidc.failedTitle'),
    `<p>${escapeHtml(said)}</p>
<p><small>${escapeHtml(t('oidc.failedDetail'))} <code lang="en">${escapeHtml(detail)}</code></small></p>`,
  );
}

/** The scopes whose meaning the catalogue says in words a person understands; any other is shown by its name. */
const EXPLAINED_SCOPES = new Set(['openid', 'email', 'profile', 'phone', 'offline_access', 'roles', 'organization']);

export function consentPage(words: PageWords, input: { uid: string; clientName: string; scopes: string[] }) {
  const { t } = words;
  const said = (scope: string) => (EXPLAINED_SCOPES.has(scope) ? t(`oidc.scopes.${scope}`) : scope);
  const items = input.scopes.map((scope) => `<li>${escapeHtml(said(scope))}</li>`).join('');
  const action = `/oidc/interaction/${encodeURIComponent(input.uid)}/confirm`;
  return page(
    words,
    t('oidc.consentTitle', { client: input.clientName }),
    `<p>${escapeHtml(t('oidc.consentIntro'))}</p><ul>${items}</ul>
<form method="post" action="${action}">
<button class="primary" type="submit" name="decision" value="allow">${escapeHtml(t('oidc.allow'))}</button>
<button type="submit" name="decision" value="deny">${escapeHtml(t('oidc.deny'))}</button>
</form>`,
  );
}

/** oidc-provider hands over the form (with its CSRF token); the buttons submit it. */
export const logoutPage = (words: PageWords, form: string, clientName: string | undefined) =>
  page(
    words,
    words.t('oidc.signOutTitle'),
    `${form}<p>${escapeHtml(clientName ? words.t('oidc.signOutAsked', { client: clientName }) : words.t('oidc.signOutQuestion'))}</p>
<button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes">${escapeHtml(words.t('oidc.signOut'))}</button>
<button type="submit" form="op.logoutForm">${escapeHtml(words.t('oidc.staySignedIn'))}</button>`,
  );

/**
 * The step back to the application after a form post (sign-in, consent). A redirect would continue the
 * form's navigation, which the pages' `form-action 'self'` policy stops at the application's origin; a
 * refresh starts a new navigation instead. The link is there for browsers that do not refresh.
 */
export const continuePage = (words: PageWords, url: string) => {
  const safe = escapeHtml(url);
  return page(
    words,
    words.t('oidc.continuing'),
    `<meta http-equiv="refresh" content="0;url=${safe}"><p><a href="${safe}">${escapeHtml(words.t('oidc.continue'))}</a></p>`,
  );
};
