import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

/** A multipart body of the given parts: a file part where `filename` is given, a field otherwise. */
function multipartParts(parts: { name: string; value: Buffer | string; filename?: string; contentType?: string }[]) {
  const boundary = `----tessera${Date.now()}`;
  const payload = Buffer.concat([
    ...parts.flatMap(({ name, value, filename, contentType }) => [
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n${
          contentType ? `Content-Type: ${contentType}\r\n` : ''
        }\r\n`,
      ),
      Buffer.from(value),
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

function multipart(file: Buffer, filename: string, contentType: string) {
  const boundary = `----tessera${Date.now()}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const png = (width = 400, height = 300) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .png()
    .toBuffer();

describe('avatar upload', () => {
  let h: Harness;
  let me: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    h = await createHarness({ config: { MAX_AVATAR_SIZE_MB: '1', AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    me = await loginAs(h);
  });
  afterAll(() => h.close());

  const upload = (file: Buffer, filename: string, contentType: string) => {
    const body = multipart(file, filename, contentType);
    return h.app.inject({
      method: 'POST',
      url: '/users/upload-avatar',
      payload: body.payload,
      headers: { ...me.headers, ...body.headers },
    });
  };

  it('re-encodes a good PNG to fixed sizes under a server-made name, and serves it safely', async () => {
    const original = await png();
    const res = await upload(original, 'me.png', 'image/png');
    expect(res.statusCode).toBe(200);
    const url = new URL(res.json().avatarUrl);
    expect(url.origin).toBe('https://tessera.test');
    expect(url.pathname).toMatch(/^\/avatars\/[A-Za-z0-9]{20,}-256\.webp$/);
    const served = await h.app.inject({ method: 'GET', url: url.pathname });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/webp');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    const meta = await sharp(served.rawPayload).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 256, height: 256 });
    expect(served.rawPayload.equals(original)).toBe(false);
    expect((await h.app.inject({ method: 'GET', url: url.pathname.replace('-256', '-64') })).statusCode).toBe(200);

    // A new upload replaces the files of the old one.
    const second = await upload(await png(100, 100), 'again.png', 'image/png');
    expect(second.json().avatarUrl).not.toBe(res.json().avatarUrl);
    expect((await h.app.inject({ method: 'GET', url: url.pathname })).statusCode).toBe(404);
  });

  /** The files in the avatar store (DATA_DIR/avatars). */
  const storedFiles = () => {
    try {
      return readdirSync(join(h.context.config.DATA_DIR, 'avatars')).sort();
    } catch {
      return [];
    }
  };

  it('removes a person’s avatar files when they are erased, once the erasure is committed', async () => {
    const admin = await loginAs(h, { permissions: ['users:delete', 'users:read'] });
    const person = await loginAs(h);
    const body = multipart(await png(), 'person.png', 'image/png');
    const uploaded = await h.app.inject({
      method: 'POST',
      url: '/users/upload-avatar',
      payload: body.payload,
      headers: { ...person.headers, ...body.headers },
    });
    const url = new URL(uploaded.json().avatarUrl);
    const name = url.pathname.slice('/avatars/'.length).replace(/-256\.webp$/, '');
    expect(storedFiles()).toEqual(expect.arrayContaining([`${name}-256.webp`, `${name}-64.webp`]));

    const erased = await h.app.inject({ method: 'DELETE', url: `/users/${person.userId}?hard=true`, headers: admin.headers });
    expect(erased.statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: url.pathname })).statusCode).toBe(404);
    expect(storedFiles().filter((file) => file.startsWith(name))).toEqual([]);
  });

  it('removes the files it just stored when the upload’s transaction fails', async () => {
    const before = storedFiles();
    await h.context.database.primary.execute(sql`ALTER TABLE profiles ADD CONSTRAINT refuses_avatars CHECK (avatar_url IS NULL) NOT VALID`);
    try {
      expect((await upload(await png(), 'refused.png', 'image/png')).statusCode).toBe(500);
    } finally {
      await h.context.database.primary.execute(sql`ALTER TABLE profiles DROP CONSTRAINT refuses_avatars`);
    }
    expect(storedFiles()).toEqual(before);
  });

  it('refuses SVG with script, whatever it is called or claims to be', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>',
    );
    for (const [name, type] of [
      ['evil.svg', 'image/svg+xml'],
      ['evil.png', 'image/png'],
    ]) {
      const res = await upload(svg, name as string, type as string);
      expect(res.statusCode).toBe(415);
      expect(res.json().code).toBe('UNSUPPORTED_IMAGE');
    }
  });

  it('neutralises a PNG/HTML polyglot: the served file is a clean re-encode', async () => {
    const polyglot = Buffer.concat([await png(50, 50), Buffer.from('<html><script>alert(1)</script></html>')]);
    const res = await upload(polyglot, 'poly.html', 'text/html');
    expect(res.statusCode).toBe(200);
    const served = await h.app.inject({ method: 'GET', url: new URL(res.json().avatarUrl).pathname });
    expect(served.rawPayload.includes(Buffer.from('<script>'))).toBe(false);
    expect(served.headers['content-type']).toBe('image/webp');
  });

  it('ignores path tricks in the file name and a spoofed Content-Type', async () => {
    const res = await upload(await png(), '../../../../etc/passwd', 'application/x-sh');
    expect(res.statusCode).toBe(200);
    expect(res.json().avatarUrl).toMatch(/\/avatars\/[A-Za-z0-9]+-256\.webp$/);
    expect((await h.app.inject({ method: 'GET', url: '/avatars/..%2F..%2Fpackage.json' })).statusCode).toBe(400);
  });

  it('refuses an oversized file and anything that is not an image', async () => {
    const big = Buffer.alloc(1024 * 1024 + 10, 1);
    const tooBig = await upload(big, 'big.png', 'image/png');
    expect(tooBig.statusCode).toBe(413);
    const text = await upload(Buffer.from('just some text'), 'a.png', 'image/png');
    expect(text.statusCode).toBe(415);
    const webp = await upload(
      await sharp(await png())
        .webp()
        .toBuffer(),
      'a.webp',
      'image/webp',
    );
    expect(webp.statusCode).toBe(415);
  });

  it('answers a malformed upload with problem+json: no boundary, a truncated body, not multipart at all', async () => {
    const send = (contentType: string, payload: Buffer | string) =>
      h.app.inject({ method: 'POST', url: '/users/upload-avatar', payload, headers: { ...me.headers, 'content-type': contentType } });
    const { payload, headers } = multipart(await png(), 'me.png', 'image/png');
    const answers = [
      await send('multipart/form-data', payload),
      await send(headers['content-type'], payload.subarray(0, payload.length - 40)),
      await send(headers['content-type'], payload.subarray(0, 60)),
      await send('application/json', '{"file":"x"}'),
    ];
    for (const res of answers) {
      expect([400, 415], res.body).toContain(res.statusCode);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toMatch(/^[A-Z_]+$/);
    }
    expect(answers[3]?.statusCode).toBe(415);
  });

  it('answers every wrong upload with a 4xx problem and changes nothing: no file, two files, another field, an empty file', async () => {
    const first = await upload(await png(), 'first.png', 'image/png');
    expect(first.statusCode).toBe(200);
    const before = { avatarUrl: first.json().avatarUrl, files: storedFiles() };
    const image = await png(80, 80);
    const wrong: [string, ReturnType<typeof multipartParts>, number, string][] = [
      ['no file, a field only', multipartParts([{ name: 'note', value: 'hello' }]), 400, 'FILE_REQUIRED'],
      ['no part at all', multipartParts([]), 400, 'FILE_REQUIRED'],
      [
        'two files',
        multipartParts([
          { name: 'file', value: image, filename: 'a.png', contentType: 'image/png' },
          { name: 'file', value: image, filename: 'b.png', contentType: 'image/png' },
        ]),
        400,
        'ONE_FILE_ONLY',
      ],
      [
        'the file under another name',
        multipartParts([{ name: 'avatar', value: image, filename: 'a.png', contentType: 'image/png' }]),
        400,
        'FILE_REQUIRED',
      ],
      ['an empty file', multipartParts([{ name: 'file', value: '', filename: 'a.png', contentType: 'image/png' }]), 400, 'FILE_REQUIRED'],
    ];
    for (const [what, body, status, code] of wrong) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/users/upload-avatar',
        payload: body.payload,
        headers: { ...me.headers, ...body.headers },
      });
      expect([res.statusCode, res.headers['content-type'], res.json().code], what).toEqual([
        status,
        expect.stringContaining('application/problem+json'),
        code,
      ]);
    }
    const text = await h.app.inject({
      method: 'POST',
      url: '/users/upload-avatar',
      payload: 'a picture',
      headers: { ...me.headers, 'content-type': 'text/plain' },
    });
    expect([text.statusCode, text.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const profile = await h.app.inject({ method: 'GET', url: '/users/profile', headers: me.headers });
    expect(profile.json().profile.avatarUrl).toBe(before.avatarUrl);
    expect(storedFiles()).toEqual(before.files);
  });

  it('declares its multipart body in the OpenAPI document: one binary part named file', async () => {
    const document = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const body = document.paths['/users/upload-avatar'].post.requestBody;
    expect(body.required).toBe(true);
    expect(body.content['multipart/form-data'].schema).toMatchObject({
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    });
  });
});
