import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where uploaded files live: on disk, or in an S3 bucket (`AVATAR_STORAGE_BUCKET`). */
export interface FileStorage {
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  remove(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9_-]+\.[a-z0-9]+$/;

/** Keys are server-made names; anything else (a path, `..`) is refused before it reaches the store. */
function safeKey(key: string) {
  if (!SAFE_KEY.test(key)) throw new Error(`unsafe storage key: ${key}`);
  return key;
}

export function createDiskStorage(root: string): FileStorage {
  const pathOf = (key: string) => join(root, safeKey(key));
  return {
    async put(key, data) {
      await mkdir(root, { recursive: true });
      await writeFile(pathOf(key), data);
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch {
        return undefined;
      }
    },
    async remove(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** An S3-compatible store (MinIO, R2, Ceph …), addressed path-style; absent: AWS itself. */
  endpoint?: string;
}

const contentTypes: Record<string, string> = { webp: 'image/webp' };

/**
 * Files in an S3 bucket (AVATAR_STORAGE_BUCKET); credentials come from the standard AWS
 * variables (or an instance role) through the SDK. Checksums only where S3 requires them, so stores that
 * do not know the SDK's newer checksum headers accept the uploads too; every call is bounded in time.
 */
export function createS3Storage({ bucket, region, endpoint }: S3StorageOptions): FileStorage {
  // Loaded only when a bucket is configured: the SDK costs a tenth of a second and some 20 MB at start.
  const sdk = import('@aws-sdk/client-s3');
  const client = sdk.then(
    ({ S3Client }) =>
      new S3Client({
        region,
        endpoint,
        forcePathStyle: endpoint !== undefined,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 2000, requestTimeout: 10_000 },
      }),
  );
  return {
    async put(key, data) {
      const { PutObjectCommand } = await sdk;
      const ContentType = contentTypes[key.split('.').pop() ?? ''] ?? 'application/octet-stream';
      await (await client).send(new PutObjectCommand({ Bucket: bucket, Key: safeKey(key), Body: data, ContentType }));
    },
    async get(key) {
      const { GetObjectCommand, S3ServiceException } = await sdk;
      try {
        const object = await (await client).send(new GetObjectCommand({ Bucket: bucket, Key: safeKey(key) }));
        return object.Body ? Buffer.from(await object.Body.transformToByteArray()) : undefined;
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
        throw error;
      }
    },
    async remove(key) {
      const { DeleteObjectCommand } = await sdk;
      await (await client).send(new DeleteObjectCommand({ Bucket: bucket, Key: safeKey(key) }));
    },
  };
}
