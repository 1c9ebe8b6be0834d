/** Query parameters whose values are secrets or credentials: invitation and reset tokens, OAuth codes and state, keys, passwords. */
const SECRET_PARAMETER = /token|code|state|key|secret|password|passwd|signature|sig$|otp|ticket|assertion|session|nonce|verifier/i;

/**
 * The URL as the request log may show it: the value of every secret-bearing query parameter replaced,
 * the rest kept so the line still says what was asked (`/invitations/lookup?token=[redacted]&lang=fr`).
 */
export function loggedUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const query = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const separator = pair.indexOf('=');
      const name = separator < 0 ? pair : pair.slice(0, separator);
      return separator >= 0 && SECRET_PARAMETER.test(decodeName(name)) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, start)}?${query.join('&')}`;
}

/** A malformed escape must not hide a secret name from the test above (nor throw inside the logger). */
function decodeName(name: string) {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
