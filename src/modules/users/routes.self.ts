import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { authenticated, publicRoute, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { accessErrors } from '../access/errors.js';
import { userErrors as errors } from './errors.js';
import { ExportView, ProfileView, SelfProfile, SelfUpdateBody, UserIdParams } from './schemas.js';
import { AVATAR_PATH } from './self.js';
import type { UsersService } from './service.js';

const operation = operations(['users']);

/**
 * The uploaded file's bytes: one non-empty file part named `file`, other fields ignored. A second file would otherwise
 * go unread while the first was stored. The multipart plugin's refusals carry codes the problem handler maps; busboy's
 * parse errors (no boundary, a body cut short) carry none, and mean the body is not the multipart it claims.
 */
async function readUpload(request: FastifyRequest, maxBytes: number) {
  try {
    let bytes: Buffer | undefined;
    // Two files allowed by the parser, so that a second one is refused by name here rather than as a size limit.
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 2 } })) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== 'file') throw errors.FILE_REQUIRED();
      if (bytes) throw errors.ONE_FILE_ONLY();
      bytes = await part.toBuffer();
    }
    if (!bytes?.length) throw errors.FILE_REQUIRED();
    return bytes;
  } catch (error) {
    if (error instanceof Error && !('code' in error)) throw httpErrors.MALFORMED_REQUEST({ cause: error });
    throw error;
  }
}

/** What the avatar upload's body is, for the OpenAPI document and its typed client. */
const AvatarUpload = Type.Object(
  { file: Type.Unsafe<Blob>({ type: 'string', format: 'binary', description: 'The image (jpg, png, gif or webp by default)' }) },
  { additionalProperties: true },
);

/**
 * The multipart plugin reads the body in the handler (readUpload, which refuses what the schema does not allow), after
 * validation: the declared body documents it, and validating the empty body Fastify sees would refuse every upload.
 */
const bodyReadByHandler = { validatorCompiler: () => () => true };

/** Your own account: the user with profile, learning preferences and statistics, your avatar, and the GDPR export. */
export const selfRoutes: FastifyPluginAsyncTypebox<{ users: UsersService; maxAvatarBytes: number }> = async (
  app,
  { users, maxAvatarBytes },
) => {
  // Bounded in parts too: a form of thousands of empty parts is refused at the sixth, not read to its end.
  await app.register(multipart, { limits: { fileSize: maxAvatarBytes, files: 1, fields: 5, parts: 6 } });

  app.get(
    '/users/profile',
    operation(authenticated, {
      description: "The signed-in user's fields, profile, learning preferences and learning statistics in one answer.",
      summary: 'Your user, profile, learning preferences and statistics',
      response: { 200: SelfProfile },
    }),
    async (request) => users.self.profile(signedIn(request.caller)),
  );

  app.put(
    '/users/profile',
    operation(authenticated, {
      description:
        "Updates the signed-in user's own fields, profile and learning preferences. A new email needs `currentPassword` (or a sign-in within STEP_UP_MAX_AGE) and stays pending until the link mailed to it is used; a username or phone number another account uses answers 409.",
      summary: 'Update your user, profile and learning preferences (a new email waits for confirmation)',
      body: SelfUpdateBody,
      response: {
        200: SelfProfile,
        ...problems(
          errors.REAUTHENTICATION_REQUIRED,
          httpErrors.RATE_LIMITED,
          httpErrors.USERNAME_ALREADY_EXISTS,
          httpErrors.PHONE_ALREADY_EXISTS,
          accessErrors.API_KEY_NOT_ALLOWED,
          accessErrors.IMPERSONATION_NOT_ALLOWED,
        ),
      },
    }),
    async (request) => users.self.updateProfile(signedIn(request.caller), request.body),
  );

  app.post(
    '/users/upload-avatar',
    {
      ...bodyReadByHandler,
      ...operation(authenticated, {
        description:
          "An image in one of the configured formats (jpg, png, gif, webp) as multipart field `file`; it is resized and stored as WebP, and the user's `avatarUrl` points to it.",
        summary: 'Upload your avatar (multipart field "file")',
        consumes: ['multipart/form-data'],
        body: AvatarUpload,
        response: {
          200: ProfileView,
          ...problems(
            errors.FILE_REQUIRED,
            errors.ONE_FILE_ONLY,
            httpErrors.MALFORMED_REQUEST,
            httpErrors.BODY_TOO_LARGE,
            errors.UNSUPPORTED_IMAGE,
            httpErrors.UNSUPPORTED_MEDIA_TYPE,
            httpErrors.STORAGE_UNAVAILABLE,
          ),
        },
      }),
    },
    async (request) => users.self.uploadAvatar(signedIn(request.caller), await readUpload(request, maxAvatarBytes)),
  );

  app.get(
    `${AVATAR_PATH}:file`,
    operation(publicRoute, {
      description: "An avatar as stored (WebP), by the file name of the user's `avatarUrl`. Public, so an `<img>` tag can show it.",
      summary: 'An avatar image',
      params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9]+-\\d+\\.webp$' }) }),
      response: {
        200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', contentMediaType: 'image/webp' }),
        ...problems(errors.AVATAR_NOT_FOUND, httpErrors.STORAGE_UNAVAILABLE),
      },
    }),
    async (request, reply) =>
      reply
        .type('image/webp')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'")
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(await users.self.avatarFile(request.params.file)),
  );

  app.get(
    '/users/:id/export',
    operation(requirePermissionOrSelf('users:export'), {
      description:
        "Everything Tessera holds about a user (`me` for your own), for a subject access request: the account, profile, preferences and statistics, and each module's part (memberships, roles, sessions, API keys, second factors, remembered devices, identities, invitations, learning records, subscription, audit trail). Hashes, tokens and key material are left out. The audit trail is whole, newest first, and streamed as it is read: it comes after the other parts, and may hold the export's own `user.exported`. The export is audited.",
      summary: 'Everything held about a user, as JSON (GDPR)',
      params: UserIdParams,
      response: { 200: ExportView, ...problems(errors.USER_NOT_FOUND) },
    }),
    async (request, reply) => {
      const { userId, json } = await users.exportUser(signedIn(request.caller), request.params.id);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="tessera-user-${userId}.json"`)
        .send(Readable.from(json()));
    },
  );
};
