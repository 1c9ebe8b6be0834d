import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { overLongErrors } from './form-bounds.js';
import { type PageKit, page, postedForm } from './routes.js';
import type { BrowserSession } from './service.js';

type Form = Record<string, string | undefined>;

/**
 * /account/delete: a person deletes their own account (the users module's rules: their current password,
 * never the last super-admin or the last administrator of an organization), then is signed out.
 */
export function accountDeletionPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  const person = (request: FastifyRequest, reply: FastifyReply) => kit.signedInPerson(request, reply, '/account/delete');

  /**
   * The password again (for a person who has one) and a tick: errors next to each, a refusal (the last
   * administrator) above the form. A person without a password signs in again through their provider when
   * their sign-in is not recent, and comes back here.
   */
  const deletionForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: BrowserSession,
    outcome: { errors?: Form; formError?: string; signInAgain?: boolean } = {},
    status = 200,
  ) => {
    const t = kit.t(request);
    const { errors = {}, formError, signInAgain } = outcome;
    const ways = await hosted.account.waysToProveItIsThem(request.caller, session);
    const password = {
      name: 'password',
      label: t('account.currentPassword'),
      type: 'password',
      autocomplete: 'current-password',
      error: errors.password,
    };
    const confirm = {
      name: 'confirm',
      label: t('accountDeletion.confirm'),
      type: 'checkbox',
      value: 'yes',
      autocomplete: 'off',
      error: errors.confirm,
    };
    const again = signInAgain
      ? ways.providers.map((provider) => ({
          href: `/sign-in/with/${encodeURIComponent(provider.slug)}?return_to=${encodeURIComponent('/account/delete')}`,
          label: t('accountDeletion.signInWith', { provider: provider.displayName }),
        }))
      : [];
    const keep = { href: '/account', label: t('accountDeletion.keep') };
    const fields = ways.password ? [password, confirm] : [confirm];
    const spec = { action: '/account/delete', danger: true, formError, fields, links: [...again, keep] };
    return kit.sectionForm(request, reply, 'accountDeletion', spec, status);
  };

  app.get('/account/delete', page, async (request, reply) => {
    const session = await person(request, reply);
    if (!session) return reply;
    return deletionForm(request, reply, session);
  });

  app.post('/account/delete', postedForm(kit.proofPage, ['password', 'confirm', 'csrf']), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const session: BrowserSession | undefined = await person(request, reply);
    if (!session) return reply;
    const t = kit.t(request);
    const form = request.body as Form;
    const { password } = await hosted.account.waysToProveItIsThem(request.caller, session);
    const errors: Form = overLongErrors(t, form, {
      password: form.password || !password ? undefined : t('common.required'),
      confirm: form.confirm === 'yes' ? undefined : t('accountDeletion.confirmRequired'),
    });
    if (errors.password || errors.confirm) return deletionForm(request, reply, session, { errors }, 400);
    try {
      await hosted.account.deleteAccount(request.caller, session, password ? (form.password ?? '') : undefined);
    } catch (error) {
      const refused = (outcome: Parameters<typeof deletionForm>[3], status: number) =>
        deletionForm(request, reply, session, outcome, status);
      if (kit.isRefusal(error, 'CURRENT_PASSWORD_WRONG')) return refused({ errors: { password: t('account.wrongCurrent') } }, 400);
      if (kit.isRefusal(error, 'RATE_LIMITED') && hosted.isAppError(error))
        return refused({ errors: { password: kit.throttled(request, reply, error.extra.retryAfterSeconds) } }, 429);
      if (kit.isRefusal(error, 'REAUTHENTICATION_REQUIRED'))
        return refused({ formError: t('accountDeletion.signInAgain'), signInAgain: true }, 403);
      if (kit.isRefusal(error, 'LAST_ORGANIZATION_ADMIN')) return refused({ formError: t('accountDeletion.lastAdministrator') }, 409);
      if (kit.isRefusal(error, 'LAST_SUPER_ADMIN')) return refused({ formError: t('accountDeletion.lastSuperAdmin') }, 409);
      throw error;
    }
    // The session is already ended with the account; the cookie goes too.
    kit.clearSessionCookie(reply);
    return reply.code(303).redirect('/sign-in?deleted=1');
  });
}
