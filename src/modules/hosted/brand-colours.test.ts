import { describe, expect, it } from 'vitest';
import { brandColours, brandStylesheet, contrast } from './brand-colours.js';

describe('brand colours', () => {
  it('measures contrast as WCAG 2 does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('keeps a colour that reads everywhere as it is, with white words on it', () => {
    expect(brandColours('#1f5f7f')).toEqual({
      primary: '#1f5f7f',
      onPrimary: '#ffffff',
      link: { light: '#1f5f7f', dark: expect.any(String) },
    });
  });

  // Every colour a brand may choose, sampled: the words on its buttons and its links read at 4.5:1 on what they stand on.
  it('gives every colour readable words on it and readable links in both schemes', () => {
    for (let value = 0; value <= 0xffffff; value += 0x0f0f0f + 0x10) {
      const color = `#${value.toString(16).padStart(6, '0')}`;
      const { onPrimary, link } = brandColours(color);
      expect(contrast(color, onPrimary), color).toBeGreaterThanOrEqual(4.5);
      for (const background of ['#ffffff', '#f5f6f8']) expect(contrast(link.light, background), color).toBeGreaterThanOrEqual(4.5);
      for (const background of ['#1b2027', '#111418']) expect(contrast(link.dark, background), color).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('darkens a light colour for links on light pages and lightens a dark one on dark pages, keeping its hue', () => {
    const yellow = brandColours('#f5c518');
    expect(yellow.onPrimary).toBe('#000000');
    expect(yellow.link.dark).toBe('#f5c518');
    expect(yellow.link.light).not.toBe('#f5c518');
    const purple = brandColours('#7a1fa2');
    expect(purple.link.light).toBe('#7a1fa2');
    expect(purple.link.dark).not.toBe('#7a1fa2');
  });

  it('writes the button and link colours for both schemes', () => {
    expect(brandStylesheet('#7A1FA2')).toBe(
      `:root{--primary:#7a1fa2;--on-primary:#ffffff;--link:#7a1fa2}\n@media (prefers-color-scheme: dark){:root{--link:${brandColours('#7a1fa2').link.dark}}}\n`,
    );
  });
});
