import { describe, expect, it } from 'vitest';
import { deviceLabel } from './device-label.js';

const on = (browser: string, system: string) => `${browser} on ${system}`;

describe('deviceLabel', () => {
  it('names the browser with its major version and the system it runs on', () => {
    expect(
      deviceLabel('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', on),
    ).toBe('Chrome 156 on Linux');
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0', on)).toBe(
      'Firefox 128 on Windows 10',
    );
    expect(
      deviceLabel(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
        on,
      ),
    ).toBe('Safari 17 on iOS');
  });

  it('says it in the words it is given', () => {
    expect(
      deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0', (b, s) => `${b} unter ${s}`),
    ).toBe('Firefox 128 unter Windows 10');
  });

  it('shows an agent it does not know as it came, and nothing for none', () => {
    expect(deviceLabel('curl/8.5.0', on)).toBe('curl/8.5.0');
    expect(deviceLabel(null, on)).toBeNull();
    expect(deviceLabel('', on)).toBeNull();
  });
});
