import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLanguage, languages } from './i18n/index.js';
import { newPasswordField } from './routes.flows.js';
import { formBody, type PageKit, page } from './routes.js';
import type { BrowserSession } from './service.js';

type Form = Record<string, string | undefined>;
const LABELS = { en: 'English', de: 'Deutsch' } as const;

/** /account: the signed-in person's profile, organizations, password and sessions; every change is a form post. */
export function accountPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  /** The session of the request, or a redirect to sign in and come back. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await hosted.browserSession(request);
    if (!session) await reply.code(303).redirect('/sign-in?return_to=%2Faccount');
    return session;
  };

  /** A form post of this origin with its CSRF token, by a signed-in person: their session, else the answer is sent. */
  const signedInForm = async (request: FastifyRequest, reply: FastifyReply) =>
    (await kit.acceptForm(request, reply)) ? signedIn(request, reply) : undefined;

  const accountPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: BrowserSession,
    extra: { noticeKey?: string; errors?: Form },
    status = 200,
  ) => {
    const person = await hosted.account.profile(request.caller, session);
    const language = person.profile.language;
    // The person's own language, unless the address asks for another.
    if (isLanguage(language)) request.hostedLanguage = language;
    const t = kit.t(request);
    const sessions = (await hosted.account.sessions(request.caller, session)).map((entry) => ({
      ...entry,
      current: entry.id === session.sessionId,
      lastUsedLabel: new Date(entry.lastUsedAt).toLocaleString(language, {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: person.profile.timezone,
      }),
    }));
    return kit.render(
      request,
      reply,
      'account.eta',
      {
        titleKey: 'account.title',
        wide: true,
        person: { email: person.email, firstName: person.firstName, lastName: person.lastName, language },
        languageChoices: languages.map((code) => ({ code, label: LABELS[code] })),
        newPasswordField: { ...newPasswordField(kit, request, 'newPassword', extra.errors?.newPassword), label: t('common.newPassword') },
        sessions,
        factors: (await hosted.mfa.factors.list(hosted.callerOf(request.caller, session))).data,
        organizations: await hosted.account.organizations(request.caller, session),
        errors: extra.errors ?? {},
        notice: extra.noticeKey ? t(extra.noticeKey) : undefined,
      },
      status,
    );
  };

  app.get('/account', page, async (request, reply) => {
    const session = await signedIn(request, reply);
    return session ? accountPage(request, reply, session, {}) : reply;
  });

  app.post(
    '/account/profile',
    { ...page, schema: { ...page.schema, body: formBody(['firstName', 'lastName', 'language', 'csrf']) } },
    async (request, reply) => {
      const session = await signedInForm(request, reply);
      if (!session) return reply;
      const t = kit.t(request);
      const form = request.body as Form;
      const firstName = form.firstName?.trim().slice(0, 100) ?? '';
      const lastName = form.lastName?.trim().slice(0, 100) ?? '';
      const errors: Form = {
        firstName: firstName ? undefined : t('common.required'),
        lastName: lastName ? undefined : t('common.required'),
      };
      if (errors.firstName || errors.lastName) return accountPage(request, reply, session, { errors }, 400);
      const language = isLanguage(form.language) ? form.language : 'en';
      await hosted.account.updateProfile(request.caller, session, { firstName, lastName, language });
      return accountPage(request, reply, session, { noticeKey: 'account.saved' });
    },
  );

  app.post(
    '/account/password',
    { ...page, schema: { ...page.schema, body: formBody(['currentPassword', 'newPassword', 'username', 'csrf']) } },
    async (request, reply) => {
      const session = await signedInForm(request, reply);
      if (!session) return reply;
      const t = kit.t(request);
      const form = request.body as Form;
      const problem = hosted.passwordProblem(form.newPassword ?? '');
      if (problem) return accountPage(request, reply, session, { errors: { newPassword: t(problem.key, problem) } }, 400);
      try {
        await hosted.account.changePassword(request.caller, session, {
          currentPassword: form.currentPassword ?? '',
          newPassword: form.newPassword ?? '',
        });
      } catch (error) {
        if (kit.isRefusal(error, 'WRONG_CURRENT_PASSWORD'))
          return accountPage(request, reply, session, { errors: { currentPassword: t('account.wrongCurrent') } }, 400);
        if (kit.isRefusal(error, 'VALIDATION_FAILED'))
          return accountPage(request, reply, session, { errors: { newPassword: t('common.passwordPersonal') } }, 400);
        throw error;
      }
      return accountPage(request, reply, session, { noticeKey: 'account.passwordChanged' });
    },
  );

  app.post(
    '/account/sessions/end',
    { ...page, schema: { ...page.schema, body: formBody(['sessionId', 'csrf']) } },
    async (request, reply) => {
      const session = await signedInForm(request, reply);
      if (!session) return reply;
      const sessionId = (request.body as Form).sessionId ?? '';
      try {
        if (sessionId !== session.sessionId) await hosted.account.endSession(request.caller, session, sessionId);
      } catch (error) {
        if (!kit.isRefusal(error, 'SESSION_NOT_FOUND', 'VALIDATION_FAILED')) throw error;
      }
      return accountPage(request, reply, session, { noticeKey: 'account.sessionEnded' });
    },
  );

  app.post('/account/sessions/end-others', { ...page, schema: { ...page.schema, body: formBody(['csrf']) } }, async (request, reply) => {
    const session = await signedInForm(request, reply);
    if (!session) return reply;
    await hosted.account.endOtherSessions(request.caller, session);
    return accountPage(request, reply, session, { noticeKey: 'account.sessionEnded' });
  });

  /**
   * The organization switcher: one form, two buttons (act in it now; land in it at every sign-in). An
   * organization the person is not an active member of is refused on the form, never acted on.
   */
  const organizationForm = (
    path: string,
    change: (request: FastifyRequest, session: BrowserSession, organizationId: string) => Promise<unknown>,
    noticeKey: string,
  ) =>
    app.post(path, { ...page, schema: { ...page.schema, body: formBody(['organizationId', 'csrf']) } }, async (request, reply) => {
      const session = await signedInForm(request, reply);
      if (!session) return reply;
      try {
        await change(request, session, (request.body as Form).organizationId ?? '');
      } catch (error) {
        if (!kit.isRefusal(error, 'NOT_A_MEMBER', 'VALIDATION_FAILED')) throw error;
        const t = kit.t(request);
        return accountPage(request, reply, session, { errors: { organizationId: t('account.notAMember') } }, 400);
      }
      // The page shows the session as it is now (its organization moved).
      return accountPage(request, reply, (await hosted.browserSession(request)) ?? session, { noticeKey });
    });

  organizationForm(
    '/account/organizations/switch',
    (request, _session, organizationId) =>
      hosted.account.switchOrganization(request.caller, hosted.sessionCookie(request) ?? '', organizationId),
    'account.organizationSwitched',
  );
  organizationForm(
    '/account/organizations/default',
    (request, session, organizationId) => hosted.account.setDefaultOrganization(request.caller, session, organizationId),
    'account.defaultOrganizationSet',
  );
}
