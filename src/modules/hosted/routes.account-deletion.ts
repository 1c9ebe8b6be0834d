import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLanguage } from './i18n/index.js';
import { formBody, type PageKit, page } from './routes.js';
import type { BrowserSession } from './service.js';

type Form = Record<string, string | undefined>;

/**
 * /account/delete: a person deletes their own account (the users module's rules: their current password,
 * never the last super-admin or the last administrator of an organization), then is signed out.
 */
export function accountDeletionPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  /** The signed-in person of this browser, the page in their language; else a redirect to sign in first. */
  async function person(request: FastifyRequest, reply: FastifyReply) {
    const session = await hosted.browserSession(request);
    if (!session) {
      await reply.code(303).redirect('/sign-in?return_to=%2Faccount%2Fdelete');
      return undefined;
    }
    const profile = await hosted.account.profile(request.caller, session);
    if (isLanguage(profile.profile.language)) request.hostedLanguage = profile.profile.language;
    return session;
  }

  const deletionForm = (request: FastifyRequest, reply: FastifyReply, errors: Form = {}, formError?: string, status = 200) => {
    const t = kit.t(request);
    return kit.form(
      request,
      reply,
      {
        titleKey: 'accountDeletion.title',
        heading: t('accountDeletion.heading'),
        intro: t('accountDeletion.intro'),
        action: '/account/delete',
        submit: t('accountDeletion.submit'),
        danger: true,
        formError,
        fields: [
          {
            name: 'password',
            label: t('account.currentPassword'),
            type: 'password',
            autocomplete: 'current-password',
            error: errors.password,
          },
          { name: 'confirm', label: t('accountDeletion.confirm'), type: 'checkbox', value: 'yes', error: errors.confirm },
        ],
        links: [{ href: '/account', label: t('accountDeletion.keep') }],
      },
      status,
    );
  };

  app.get('/account/delete', page, async (request, reply) => {
    if (!(await person(request, reply))) return reply;
    return deletionForm(request, reply);
  });

  app.post(
    '/account/delete',
    { ...page, schema: { ...page.schema, body: formBody(['password', 'confirm', 'csrf']) } },
    async (request, reply) => {
      if (!(await kit.acceptForm(request, reply))) return reply;
      const session: BrowserSession | undefined = await person(request, reply);
      if (!session) return reply;
      const t = kit.t(request);
      const form = request.body as Form;
      const errors: Form = {
        password: form.password ? undefined : t('common.required'),
        confirm: form.confirm === 'yes' ? undefined : t('accountDeletion.confirmRequired'),
      };
      if (errors.password || errors.confirm) return deletionForm(request, reply, errors, undefined, 400);
      try {
        await hosted.account.deleteAccount(request.caller, session, form.password ?? '');
      } catch (error) {
        if (kit.isRefusal(error, 'CURRENT_PASSWORD_WRONG'))
          return deletionForm(request, reply, { password: t('account.wrongCurrent') }, undefined, 400);
        if (kit.isRefusal(error, 'LAST_ORGANIZATION_ADMIN'))
          return deletionForm(request, reply, {}, t('accountDeletion.lastAdministrator'), 409);
        if (kit.isRefusal(error, 'LAST_SUPER_ADMIN')) return deletionForm(request, reply, {}, t('accountDeletion.lastSuperAdmin'), 409);
        throw error;
      }
      // The session is already ended with the account; the cookie goes too.
      kit.clearSessionCookie(reply);
      return reply.code(303).redirect('/sign-in?deleted=1');
    },
  );
}
