/**
 * The colours a brand's one colour (#rrggbb) puts on the pages. Buttons keep the brand's colour, with black or white
 * words on them, whichever reads better; links (and secondary buttons' words) are the brand's colour where it reads on
 * the scheme's card and page, else that colour taken towards black (light scheme) or white (dark scheme) until it does.
 * WCAG 2's contrast of normal text, 4.5:1, is the bar.
 */

type Rgb = [number, number, number];

const MIN_TEXT_CONTRAST = 4.5;
/** The light and dark schemes' card and page backgrounds (views/style.css): a link stands on both. */
const BACKGROUNDS = { light: ['#ffffff', '#f5f6f8'], dark: ['#1b2027', '#111418'] } as const;

const rgbOf = (hex: string): Rgb => [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)) as Rgb;
const hexOf = (rgb: Rgb) => `#${rgb.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;

/** WCAG 2's relative luminance of an sRGB colour. */
function luminance(rgb: Rgb) {
  const [r, g, b] = rgb.map((channel) => {
    const value = channel / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2's contrast ratio of two colours, from 1 to 21. */
export function contrast(a: string, b: string) {
  const [high, low] = [luminance(rgbOf(a)), luminance(rgbOf(b))].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

/** `rgb` a share of the way to `target`. */
const towards = (rgb: Rgb, target: Rgb, share: number) =>
  rgb.map((channel, index) => Math.round(channel + ((target[index] as number) - channel) * share)) as Rgb;

/** The brand's colour, or the nearest shade of it towards `target`, that reads on every one of `backgrounds`. */
function readableOn(color: string, backgrounds: readonly string[], target: Rgb) {
  for (let step = 0; step <= 20; step++) {
    const shade = hexOf(towards(rgbOf(color), target, step / 20));
    if (backgrounds.every((background) => contrast(shade, background) >= MIN_TEXT_CONTRAST)) return shade;
  }
  return hexOf(target);
}

export interface BrandColours {
  /** Buttons' background: the brand's colour itself. */
  primary: string;
  /** The words on a button. */
  onPrimary: string;
  /** Links and secondary buttons' words, in each scheme. */
  link: { light: string; dark: string };
}

export function brandColours(color: string): BrandColours {
  const primary = color.toLowerCase();
  return {
    primary,
    onPrimary: contrast(primary, '#ffffff') >= contrast(primary, '#000000') ? '#ffffff' : '#000000',
    link: { light: readableOn(primary, BACKGROUNDS.light, [0, 0, 0]), dark: readableOn(primary, BACKGROUNDS.dark, [255, 255, 255]) },
  };
}

/** The stylesheet that puts a brand's colours on the pages, after views/style.css. */
export function brandStylesheet(color: string) {
  const { primary, onPrimary, link } = brandColours(color);
  return `:root{--primary:${primary};--on-primary:${onPrimary};--link:${link.light}}\n@media (prefers-color-scheme: dark){:root{--link:${link.dark}}}\n`;
}
