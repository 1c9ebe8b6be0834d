import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { AppError, notFound } from '../../http/errors.js';
import { requestMeta } from '../../http/request-meta.js';
import { authenticated, publicRoute, requirePermissionOrSelf } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import type { FileStorage } from '../../platform/storage.js';
import { recordAudit } from '../audit/service.js';
import { avatarKeys, processAvatar } from './avatar.js';
import { exportUser } from './export.js';
import * as queries from './queries.js';
import { ExportView, ProfileView, SelfProfile, SelfUpdateBody, UserIdParams } from './schemas.js';
import type { UsersService } from './service.js';
import { profileView } from './views.js';

const tags = ['users'];
const AVATAR_PATH = '/avatars/';

/** Seed 002's profile mapping (the user with profile, preferences and stats), avatars, and GDPR export. */
export const selfRoutes: FastifyPluginAsyncTypebox<{ context: AppContext; users: UsersService; storage: FileStorage }> = async (
  app,
  { context, users, storage },
) => {
  const db = context.database.primary;
  await app.register(multipart, { limits: { fileSize: context.config.MAX_AVATAR_SIZE_MB * 1024 * 1024, files: 1, fields: 5 } });

  app.get(
    '/users/profile',
    {
      config: authenticated,
      schema: {
        tags,
        summary: 'Your user, profile, learning preferences and statistics',
        response: { 200: SelfProfile, ...problems(401) },
      },
    },
    async (request) => users.selfProfile(request.principal!),
  );

  app.put(
    '/users/profile',
    {
      config: authenticated,
      schema: {
        tags,
        summary: 'Update your user, profile and learning preferences',
        body: SelfUpdateBody,
        response: { 200: SelfProfile, ...problems(400, 401, 409) },
      },
    },
    async (request) => users.updateSelf(request.principal!, request.body, requestMeta(request)),
  );

  app.post(
    '/users/upload-avatar',
    {
      config: authenticated,
      schema: {
        tags,
        summary: 'Upload your avatar (multipart field "file")',
        consumes: ['multipart/form-data'],
        response: { 200: ProfileView, ...problems(400, 401, 413, 415) },
      },
    },
    async (request) => {
      const file = await request.file({ limits: { fileSize: context.config.MAX_AVATAR_SIZE_MB * 1024 * 1024, files: 1 } });
      if (!file) throw new AppError({ status: 400, code: 'FILE_REQUIRED', detail: 'Send the image as multipart field "file".' });
      const upload = await file.toBuffer();
      const avatar = await processAvatar(upload, context.config);
      for (const stored of avatar.files) await storage.put(stored.key, stored.data);
      const userId = request.principal!.userId;
      const { before, after } = await db.transaction(async (tx) => {
        const previous = await queries.findProfile(tx, userId);
        const updated = await queries.upsertProfile(tx, userId, {
          avatarUrl: `${context.config.PUBLIC_URL}${AVATAR_PATH}${avatar.files[0]?.key}`,
        });
        await recordAudit(tx, requestMeta(request), {
          action: 'profile.avatar_uploaded',
          entity: 'profile',
          entityId: userId,
          payload: { bytes: upload.length },
        });
        return { before: previous, after: updated };
      });
      const oldName = before?.avatarUrl?.split(AVATAR_PATH)[1]?.replace(/-\d+\.webp$/, '');
      if (oldName) for (const key of avatarKeys(oldName)) await storage.remove(key);
      return profileView(after);
    },
  );

  app.get(
    `${AVATAR_PATH}:file`,
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'An avatar image',
        params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9]+-\\d+\\.webp$' }) }),
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', contentMediaType: 'image/webp' }), ...problems(404) },
      },
    },
    async (request, reply) => {
      const data = await storage.get(request.params.file);
      if (!data) throw notFound('Avatar');
      return reply
        .type('image/webp')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'")
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(data);
    },
  );

  app.get(
    '/users/:id/export',
    {
      config: requirePermissionOrSelf('users:export'),
      schema: {
        tags,
        summary: 'Everything held about a user, as JSON (GDPR)',
        params: UserIdParams,
        response: { 200: ExportView, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = await users.visibleUser(db, request.principal!, request.params.id);
      await db.transaction((tx) => recordAudit(tx, requestMeta(request), { action: 'user.exported', entity: 'user', entityId: user.id }));
      return reply.header('content-disposition', `attachment; filename="tessera-user-${user.id}.json"`).send(await exportUser(db, user));
    },
  );
};
