import { describe, expect, it } from 'vitest';
import { loggedUrl } from './logged-url.js';

describe('URLs as the request log shows them', () => {
  it('masks the values of secret-bearing parameters, whatever their spelling, and keeps the rest', () => {
    const cases: [string, string][] = [
      ['/health/live', '/health/live'],
      ['/users?page=2&q=ada', '/users?page=2&q=ada'],
      ['/invitations/lookup?token=abc&lang=fr', '/invitations/lookup?token=[redacted]&lang=fr'],
      ['/cb?code=c&state=s&iss=https%3A%2F%2Fid', '/cb?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fid'],
      [
        '/x?refresh_token=1&apiKey=2&PASSWORD=3&client_secret=4',
        '/x?refresh_token=[redacted]&apiKey=[redacted]&PASSWORD=[redacted]&client_secret=[redacted]',
      ],
      // An escaped name is read decoded; a malformed escape does not throw, and is read as it stands.
      ['/x?%74oken=1&to%ken=2&token%=3', '/x?%74oken=[redacted]&to%ken=2&token%=[redacted]'],
      ['/x?token&flag', '/x?token&flag'],
    ];
    for (const [url, logged] of cases) expect([url, loggedUrl(url)]).toEqual([url, logged]);
  });
});
