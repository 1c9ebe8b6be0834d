/**
 * The provider's own small pages (consent, sign-out confirmation, errors): plain HTML, every value escaped,
 * no script (the CSP allows none), styled like the hosted pages' plain fallback.
 */

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

// An application's name is its registrant's: one long word breaks within the page (overflow-wrap) instead of widening a phone's.
const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a;overflow-wrap:break-word}
button{font:inherit;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0;border-radius:.375rem;border:1px solid #888;background:#fff}
button.primary{background:#1a1a1a;color:#fff;border-color:#1a1a1a}li{margin:.25rem 0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;

export const messagePage = (title: string, safeHtml: string) => page(title, `<p>${safeHtml}</p>`);

/** What each scope lets an application see, in words a person understands. */
const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are',
  email: 'See your email address',
  profile: 'See your name, username, picture, language and time zone',
  phone: 'See your phone number',
  offline_access: 'Stay connected when you are not using it',
  roles: 'See your roles and permissions in your organization',
  organization: 'See which organization you belong to',
};

export function consentPage(input: { uid: string; clientName: string; scopes: string[] }) {
  const items = input.scopes.map((scope) => `<li>${escapeHtml(SCOPE_WORDS[scope] ?? scope)}</li>`).join('');
  const action = `/oidc/interaction/${encodeURIComponent(input.uid)}/confirm`;
  return page(
    `${input.clientName} wants to access your account`,
    `<p>It will be able to:</p><ul>${items}</ul>
<form method="post" action="${action}">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** oidc-provider hands over the form (with its CSRF token); the buttons submit it. */
export const logoutPage = (form: string, clientName: string | undefined) =>
  page(
    'Sign out',
    `${form}<p>${clientName ? `${escapeHtml(clientName)} asks to sign you out.` : 'Sign out of Tessera?'}</p>
<button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
  );

/**
 * The step back to the application after a form post (sign-in, consent). A redirect would continue the
 * form's navigation, which the pages' `form-action 'self'` policy stops at the application's origin; a
 * refresh starts a new navigation instead. The link is there for browsers that do not refresh.
 */
export const continuePage = (url: string) => {
  const safe = escapeHtml(url);
  return page('Continuing…', `<meta http-equiv="refresh" content="0;url=${safe}"><p><a href="${safe}">Continue</a></p>`);
};
