import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formBody, type PageKit, page } from './routes.js';
import type { BrowserSession } from './service.js';

type Form = Record<string, string | undefined>;

/**
 * /account/delete: a person deletes their own account (the users module's rules: their current password,
 * never the last super-admin or the last administrator of an organization), then is signed out.
 */
export function accountDeletionPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  const person = (request: FastifyRequest, reply: FastifyReply) => kit.signedInPerson(request, reply, '/account/delete');

  /** The password again and a tick: errors next to each, a refusal (the last administrator) above the form. */
  const deletionForm = (request: FastifyRequest, reply: FastifyReply, errors: Form = {}, formError?: string, status = 200) => {
    const t = kit.t(request);
    const password = {
      name: 'password',
      label: t('account.currentPassword'),
      type: 'password',
      autocomplete: 'current-password',
      error: errors.password,
    };
    const confirm = { name: 'confirm', label: t('accountDeletion.confirm'), type: 'checkbox', value: 'yes', error: errors.confirm };
    const keep = { href: '/account', label: t('accountDeletion.keep') };
    const spec = { action: '/account/delete', danger: true, formError, fields: [password, confirm], links: [keep] };
    return kit.sectionForm(request, reply, 'accountDeletion', spec, status);
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
