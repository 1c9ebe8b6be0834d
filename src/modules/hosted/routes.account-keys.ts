import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TYPED_VALUE_CEILING } from './form-bounds.js';
import { type PageKit, page, postedForm } from './routes.js';
import type { BrowserSession } from './service.js';

type Form = Record<string, string | undefined>;
type KeyForm = { name?: string; scopes?: string | string[]; expiresOn?: string; formId?: string; csrf?: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
// The name and the day are typed: past their own bounds they are the field's error, not an unreadable form.
const keyFormBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: TYPED_VALUE_CEILING })),
  // One ticked box arrives as a string, several as a list.
  scopes: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 })])),
  expiresOn: Type.Optional(Type.String({ maxLength: TYPED_VALUE_CEILING })),
  formId: Type.Optional(Type.String({ maxLength: 100 })),
  csrf: Type.Optional(Type.String({ maxLength: 4000 })),
});
/** The id of a new-key form as shown: a key is created once per form, however often it is sent. */
const FORM_ID = /^[A-Za-z0-9_-]{22}$/;
const newFormId = () => randomBytes(16).toString('base64url');

/**
 * /account/api-keys: the person's own API keys through the auth module's rules (scopes only of what they
 * hold, step-up as the API asks it); a new key's secret is shown once, on the answer to its creation.
 */
export function accountKeyPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  const signedIn = (request: FastifyRequest, reply: FastifyReply) => kit.signedInPerson(request, reply, '/account/api-keys');

  async function keysPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: BrowserSession,
    extra: {
      created?: { name: string; key: string };
      errors?: Form;
      values?: { name?: string; scopes?: string[]; expiresOn?: string; formId?: string };
      notice?: string;
      formError?: string;
    } = {},
    status = 200,
  ) {
    const person = await hosted.account.profile(request.caller, session);
    const language = person.profile.language;
    const dated = (value: string | null) =>
      value ? new Date(value).toLocaleString(language, { dateStyle: 'medium', timeZone: person.profile.timezone }) : undefined;
    const keys = (await hosted.account.apiKeys.list(request.caller, session)).map((key) => ({
      ...key,
      lastUsedLabel: dated(key.lastUsedAt),
      expiresLabel: dated(key.expiresAt),
    }));
    const held = await hosted.account.apiKeys.scopesHeld(session);
    return kit.render(
      request,
      reply,
      'api-keys.eta',
      {
        titleKey: 'apiKeys.title',
        wide: true,
        keys,
        held,
        errors: {},
        ...extra,
        values: { ...extra.values, formId: extra.values?.formId ?? newFormId() },
      },
      status,
    );
  }

  app.get('/account/api-keys', page, async (request, reply) => {
    const session = await signedIn(request, reply);
    if (!session) return reply;
    return keysPage(request, reply, session);
  });

  app.post('/account/api-keys', { ...page, schema: { ...page.schema, body: keyFormBody } }, async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const session = await signedIn(request, reply);
    if (!session) return reply;
    const t = kit.t(request);
    const form = request.body as KeyForm;
    const values = {
      name: form.name?.trim() ?? '',
      scopes: form.scopes === undefined ? [] : [form.scopes].flat(),
      expiresOn: form.expiresOn?.trim() ?? '',
      // Kept while the form is shown again with its errors: it is still the same form.
      formId: FORM_ID.test(form.formId ?? '') ? form.formId : undefined,
    };
    // A form from before this page carried its id: it may have been sent already, so it is shown again to send anew.
    if (!values.formId) return keysPage(request, reply, session, { formError: t('apiKeys.formOutdated'), values }, 400);
    const expiresAt = DATE.test(values.expiresOn) ? new Date(`${values.expiresOn}T23:59:59Z`) : undefined;
    const errors: Form = {
      name: values.name && values.name.length <= 100 ? undefined : t('apiKeys.nameRequired'),
      scopes: values.scopes.length > 0 ? undefined : t('apiKeys.scopesRequired'),
      expiresOn: values.expiresOn === '' || (expiresAt && expiresAt.getTime() > Date.now()) ? undefined : t('apiKeys.expiresInvalid'),
    };
    if (Object.values(errors).some(Boolean)) return keysPage(request, reply, session, { errors, values }, 400);
    try {
      const created = await hosted.account.apiKeys.create(
        request.caller,
        session,
        { name: values.name, scopes: values.scopes, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
        values.formId,
      );
      if (!created) return keysPage(request, reply, session, { notice: t('apiKeys.alreadyCreated') });
      return keysPage(request, reply, session, { created: { name: created.name, key: created.key } }, 201);
    } catch (error) {
      if (kit.isRefusal(error, 'SCOPE_NOT_HELD', 'UNKNOWN_PERMISSION'))
        return keysPage(request, reply, session, { errors: { scopes: t('apiKeys.scopesNotHeld') }, values }, 403);
      if (kit.isRefusal(error, 'EMAIL_NOT_VERIFIED'))
        return keysPage(request, reply, session, { formError: t('common.confirmEmailFirst'), values }, 403);
      if (!kit.isRefusal(error, 'STEP_UP_REQUIRED')) throw error;
      // As the API asks it: a recent sign-in, with the second factor of a person who has one.
      const location = await hosted.stepUp(request.caller, session, '/account/api-keys');
      if (location) return reply.code(303).redirect(location);
      return keysPage(request, reply, session, { formError: t('apiKeys.signInAgain'), values }, 403);
    }
  });

  app.post('/account/api-keys/revoke', postedForm(page, ['keyId', 'csrf']), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const session = await signedIn(request, reply);
    if (!session) return reply;
    const t = kit.t(request);
    try {
      await hosted.account.apiKeys.revoke(request.caller, session, (request.body as Form).keyId ?? '');
    } catch (error) {
      if (!kit.isRefusal(error, 'API_KEY_NOT_FOUND', 'VALIDATION_FAILED')) throw error;
      return keysPage(request, reply, session, { formError: t('apiKeys.notFound') }, 404);
    }
    return keysPage(request, reply, session, { notice: t('apiKeys.revoked') });
  });
}
