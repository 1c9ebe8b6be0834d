import Bowser from 'bowser';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'bot';

const known = new Set<string>(['desktop', 'mobile', 'tablet', 'bot']);

/**
 * The kind of device a user agent names, as the activity log records it; null when the agent says
 * nothing recognisable (curl, a script, no header). Bowser is MIT-licensed; ua-parser-js 2 is AGPL.
 */
export function deviceTypeOf(userAgent: string | null): DeviceType | null {
  if (!userAgent) return null;
  const type = Bowser.parse(userAgent).platform.type;
  return type && known.has(type) ? (type as DeviceType) : null;
}
