import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Storage } from '../src/platform/storage.js';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { testDataRoot } from './helpers/databases.js';
import { avatarForm } from './helpers/learning.js';

const BUCKET = 'smart-learning-avatars';

// Avatars in an S3 bucket (AVATAR_STORAGE_BUCKET), against a real S3-compatible server started here (offline).
describe('avatars in an S3 bucket', () => {
  let server: S3rver;
  let directory: string;
  let endpoint: string;
  let h: Harness;
  let objects: () => Promise<string[]>;

  beforeAll(async () => {
    directory = mkdtempSync(join(testDataRoot, 's3-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
    endpoint = `http://127.0.0.1:${(await server.run()).port}`;
    // The SDK reads the standard AWS variables, as it would in production; s3rver's own pair.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    h = await createHarness({ config: { AVATAR_STORAGE_BUCKET: BUCKET, S3_ENDPOINT: endpoint, S3_REGION: 'eu-west-3' } });
    const client = new S3Client({ region: 'eu-west-3', endpoint, forcePathStyle: true });
    objects = async () =>
      ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((object) => object.Key as string).sort();
  });
  afterAll(async () => {
    await h.close();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const image = (width: number) =>
    sharp({ create: { width, height: width, channels: 3, background: { r: 30, g: 140, b: 90 } } })
      .png()
      .toBuffer();

  it('uploads every size to the bucket, serves it from there, and deletes the old ones on replace', async () => {
    const me = await loginAs(h);
    const upload = async (file: Buffer) => {
      const body = avatarForm(file);
      const res = await h.app.inject({
        method: 'POST',
        url: '/users/upload-avatar',
        payload: body.payload,
        headers: { ...me.headers, ...body.headers },
      });
      expect(res.statusCode).toBe(200);
      return new URL(res.json().avatarUrl).pathname;
    };
    const first = await upload(await image(300));
    const name = first.replace(/^\/avatars\/|-256\.webp$/g, '');
    expect(await objects()).toEqual([`${name}-256.webp`, `${name}-64.webp`]);

    const served = await h.app.inject({ method: 'GET', url: first });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/webp');
    expect(await sharp(served.rawPayload).metadata()).toMatchObject({ format: 'webp', width: 256, height: 256 });

    const second = await upload(await image(120));
    const next = second.replace(/^\/avatars\/|-256\.webp$/g, '');
    expect(await objects()).toEqual([`${next}-256.webp`, `${next}-64.webp`]);
    expect((await h.app.inject({ method: 'GET', url: first })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: second })).statusCode).toBe(200);
  });

  it('answers a missing object as absent and refuses keys it did not make', async () => {
    const storage = createS3Storage({ bucket: BUCKET, region: 'eu-west-3', endpoint });
    expect(await storage.get('nothing-here.webp')).toBeUndefined();
    await expect(storage.put('../escape.webp', Buffer.from('x'))).rejects.toThrow('unsafe storage key');
    await storage.put('plain-1.webp', Buffer.from('bytes'));
    expect((await storage.get('plain-1.webp'))?.toString()).toBe('bytes');
    await storage.remove('plain-1.webp');
    expect(await storage.get('plain-1.webp')).toBeUndefined();
  });
});
