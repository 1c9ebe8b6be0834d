import Bowser from 'bowser';

/**
 * What a person recognises of a browser, from the user agent it sent: "Chrome 156 on Linux", through `on` for
 * the reader's language. The account page and the console's session lists show it; the audit trail keeps the
 * agent as sent. An agent Bowser does not know (curl, a script) is shown as it came, since it names itself
 * better than a guess would; none at all is null.
 */
export function deviceLabel(userAgent: string | null, on: (browser: string, system: string) => string): string | null {
  if (!userAgent) return null;
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return userAgent;
  const major = browser.version?.split('.')[0];
  const name = major ? `${browser.name} ${major}` : browser.name;
  const system = [os.name, os.versionName].filter(Boolean).join(' ');
  return system ? on(name, system) : name;
}
