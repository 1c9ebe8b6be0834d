import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import { userErrors as errors } from './errors.js';

/** The sizes every avatar is stored in (square, pixels); the first is the one `avatarUrl` names. */
export const AVATAR_SIZES = [256, 64] as const;

// sharp's names for what the config calls jpg/jpeg/png/gif/webp.
const formatNames: Record<string, string> = { jpg: 'jpeg', jpeg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp' };

const unreadable = () => errors.UNSUPPORTED_IMAGE('The file is not an image Tessera can read.');

/**
 * Decides the type from the bytes (never the name or the Content-Type), refuses anything not an
 * allowed raster format (SVG, HTML, polyglots that do not decode), and re-encodes to WebP at fixed
 * sizes with metadata stripped: whatever rode along in the upload does not survive.
 */
export async function processAvatar(upload: Buffer, config: Pick<Config, 'ALLOWED_AVATAR_FORMATS'>) {
  // Loaded on the first upload: libvips is ~8 MB a node that never sees an avatar need not hold.
  const { default: sharp } = await import('sharp');
  let format: string | undefined;
  try {
    format = (await sharp(upload, { failOn: 'error' }).metadata()).format;
  } catch {
    throw unreadable();
  }
  const allowed = new Set(config.ALLOWED_AVATAR_FORMATS.map((name) => formatNames[name]));
  if (!format || !allowed.has(format))
    throw errors.UNSUPPORTED_IMAGE(`Avatars must be one of: ${config.ALLOWED_AVATAR_FORMATS.join(', ')}.`);
  // 256 random bits; the name is all the URL reveals of the upload.
  const name = randomBytes(32)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 32);
  try {
    const files = await Promise.all(
      AVATAR_SIZES.map(async (size) => ({
        key: `${name}-${size}.webp`,
        data: await sharp(upload, { failOn: 'error', animated: false })
          .rotate()
          .resize(size, size, { fit: 'cover' })
          .webp({ quality: 82 })
          .toBuffer(),
      })),
    );
    return { name, files };
  } catch {
    // A sound header over pixel data that does not decode (truncated, corrupt) fails only here: still the upload's fault.
    throw unreadable();
  }
}

export const avatarKeys = (name: string) => AVATAR_SIZES.map((size) => `${name}-${size}.webp`);

/** Where avatars are served: `${PUBLIC_URL}/avatars/<name>-<size>.webp`, the URL a profile keeps. */
export const AVATAR_PATH = '/avatars/';

/** The stored files (every size) of the avatar a profile's URL names; none without one. */
export function storedAvatarKeys(avatarUrl: string | null | undefined): string[] {
  const name = avatarUrl?.split(AVATAR_PATH)[1]?.replace(/-\d+\.webp$/, '');
  return name ? avatarKeys(name) : [];
}
