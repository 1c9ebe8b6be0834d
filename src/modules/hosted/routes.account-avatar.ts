import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type PageKit, page } from './routes.js';
import type { BrowserSession } from './service.js';

/** The refusals of an upload the person can fix, as the catalogue's keys: shown next to the file field. */
const uploadRefusals = {
  FILE_REQUIRED: 'avatar.required',
  BODY_TOO_LARGE: 'avatar.tooLarge',
  UNSUPPORTED_IMAGE: 'avatar.unsupported',
  MALFORMED_REQUEST: 'avatar.required',
  UNSUPPORTED_MEDIA_TYPE: 'avatar.required',
} as const;

/**
 * /account/avatar: the person's picture, uploaded as a plain multipart form (no JavaScript needed) through
 * the users module's self-service (the API's formats and size limit, resized and stored as WebP).
 */
export async function accountAvatarPages(app: FastifyInstance, kit: PageKit) {
  const { hosted, config } = kit;
  const maxBytes = config.MAX_AVATAR_SIZE_MB * 1024 * 1024;
  // The form's two parts (the CSRF token, then the file): anything larger or longer is refused unread. A second file is
  // let through to the reader, which refuses it by name instead of storing the first and leaving it unread.
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 2, fields: 2, parts: 4 } });
  const formats = config.ALLOWED_AVATAR_FORMATS;
  const accept = formats.map((format) => `image/${format === 'jpg' ? 'jpeg' : format}`).join(',');

  const signedIn = (request: FastifyRequest, reply: FastifyReply) => kit.signedInPerson(request, reply, '/account/avatar');

  async function avatarPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: BrowserSession,
    extra: { error?: string; notice?: string },
    status = 200,
  ) {
    const person = await hosted.account.profile(request.caller, session);
    return kit.render(
      request,
      reply,
      'avatar.eta',
      {
        titleKey: 'avatar.title',
        avatarUrl: person.profile.avatarUrl,
        accept,
        formats: [...new Set(formats.map((format) => format.toUpperCase().replace('JPEG', 'JPG')))].join(', '),
        megabytes: config.MAX_AVATAR_SIZE_MB,
        ...extra,
      },
      status,
    );
  }

  /**
   * The CSRF field and the bytes of the one file part named `file` (undefined when there is none, or it is empty);
   * `files: 2` when more than one file came. The multipart limits' refusals are thrown.
   */
  async function readForm(request: FastifyRequest) {
    let csrf: unknown;
    let bytes: Buffer | undefined;
    let files = 0;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === 'csrf') csrf = part.value;
        continue;
      }
      files += 1;
      const content = await part.toBuffer();
      if (part.fieldname === 'file' && content.length > 0) bytes = content;
    }
    return { csrf, bytes: files > 1 ? undefined : bytes, files };
  }

  app.get('/account/avatar', page, async (request, reply) => {
    const session = await signedIn(request, reply);
    if (!session) return reply;
    return avatarPage(request, reply, session, {});
  });

  app.post('/account/avatar', page, async (request, reply) => {
    const t = kit.t(request);
    let form: Awaited<ReturnType<typeof readForm>>;
    try {
      form = await readForm(request);
    } catch (error) {
      const session = await signedIn(request, reply);
      if (!session) return reply;
      const refusal = Object.entries(uploadRefusals).find(([code]) => kit.isRefusal(error, code));
      if (!refusal) throw error;
      return avatarPage(request, reply, session, { error: t(refusal[1], { megabytes: config.MAX_AVATAR_SIZE_MB }) }, 400);
    }
    if (!(await kit.acceptForm(request, reply, form.csrf))) return reply;
    const session = await signedIn(request, reply);
    if (!session) return reply;
    if (!form.bytes) return avatarPage(request, reply, session, { error: t(form.files > 1 ? 'avatar.oneFile' : 'avatar.required') }, 400);
    try {
      await hosted.account.uploadAvatar(request.caller, session, form.bytes);
    } catch (error) {
      if (!kit.isRefusal(error, 'UNSUPPORTED_IMAGE')) throw error;
      return avatarPage(request, reply, session, { error: t('avatar.unsupported') }, 415);
    }
    return avatarPage(request, reply, session, { notice: t('avatar.saved') });
  });
}
