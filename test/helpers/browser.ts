import type { Harness } from './app.js';

/** Tessera's address in tests (testConfig's PUBLIC_URL): requests there go to a harness through inject. */
const TESSERA = 'https://tessera.test';

export interface Stop {
  /** The URL the browser was sent to and did not follow (the app's redirect_uri). */
  url: URL;
  status: number;
  body: string;
}

/**
 * Enough of a browser for redirect dances: keeps cookies per host, follows redirects by hand, and stops
 * at the first answer that is not a redirect or at a URL under `stopAt` (the app). Requests to Tessera go
 * to `browser.tessera` (switch it to send the callback to another node); the rest over real HTTPS.
 */
export function createBrowser(tessera: Harness, stopAt = 'https://app.example') {
  const jar = new Map<string, Map<string, string>>();
  const browser = {
    tessera,
    /** Changes each URL before it is requested (a person or an attacker editing the address bar). */
    rewrite: async (url: URL): Promise<URL> => url,

    async request(url: URL, headers: Record<string, string> = {}): Promise<{ status: number; location?: string; body: string }> {
      if (url.origin === TESSERA) {
        const res = await browser.tessera.app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers });
        return { status: res.statusCode, location: res.headers.location as string | undefined, body: res.body };
      }
      const cookies = jar.get(url.host) ?? new Map<string, string>();
      const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      const res = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const index = pair.indexOf('=');
        cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
      }
      jar.set(url.host, cookies);
      return { status: res.status, location: res.headers.get('location') ?? undefined, body: await res.text() };
    },

    /** Follows redirects from `start` until the app's URL (not requested) or any other answer. */
    async navigate(start: string, headers: Record<string, string> = {}): Promise<Stop> {
      let url = await browser.rewrite(new URL(start, TESSERA));
      for (let hop = 0; hop < 20; hop++) {
        if (url.href.startsWith(stopAt)) return { url, status: 0, body: '' };
        const res = await browser.request(url, url.origin === TESSERA ? headers : {});
        if (!res.location || res.status < 300 || res.status >= 400) return { url, status: res.status, body: res.body };
        url = await browser.rewrite(new URL(res.location, url));
      }
      throw new Error(`too many redirects from ${start}`);
    },
  };
  return browser;
}

export type Browser = ReturnType<typeof createBrowser>;
