import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PasswordOwner } from '../../platform/password-policy.js';
import { overLongErrors } from './form-bounds.js';
import { type Catalogue, en } from './i18n/en.js';
import { type FieldSpec, type PageKit, page, pageQuery, postedForm } from './routes.js';
import type { MailedLinkKind } from './service.js';

type Form = Record<string, string | undefined>;

/** The catalogue's sections a mailed link's button page is written from: its title, intro, button and outcome. */
type ButtonPageSection = {
  [Section in keyof Catalogue]: Catalogue[Section] extends { title: string; intro: string; submit: string; done: string } ? Section : never;
}[keyof Catalogue];

/** A button page's keys in its section; the heading is the title unless the section has a heading of its own. */
const buttonPageKeys = (section: ButtonPageSection) => ({
  title: `${section}.title`,
  heading: 'heading' in en[section] ? `${section}.heading` : `${section}.title`,
  intro: `${section}.intro`,
  submit: `${section}.submit`,
  done: `${section}.done`,
});
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The new-password field with the policy explained, live when JavaScript runs. */
export function newPasswordField(kit: PageKit, request: FastifyRequest, name: string, error: string | undefined): FieldSpec {
  const t = kit.t(request);
  const min = kit.config.PASSWORD_MIN_LENGTH;
  return {
    name,
    label: t('common.newPassword'),
    type: 'password',
    autocomplete: 'new-password',
    hint: t('common.passwordHint', { min }),
    live: String(min),
    liveLeft: t('common.passwordLeft', { count: '{{count}}' }),
    liveOk: t('common.passwordOk'),
    error,
  };
}

/**
 * /sign-up, /verify-email, /forgot-password, /reset-password and the email-change links: the journeys of a
 * person who follows a mailed link or is signed out.
 */
export function accountRecoveryPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  const passwordError = (request: FastifyRequest, password: string, owner: PasswordOwner) => {
    const problem = hosted.passwordProblem(password, owner);
    return problem ? kit.t(request)(problem.key, problem) : undefined;
  };

  const invalidLink = (request: FastifyRequest, reply: FastifyReply, again: { href: string; label: string }) => {
    const t = kit.t(request);
    return kit.message(
      request,
      reply,
      { title: t('common.forbiddenTitle'), message: t('common.invalidLink'), alert: true, link: again },
      400,
    );
  };

  // Sign-up: name, email, password; "check your inbox" whatever the address.
  const signUpForm = (request: FastifyRequest, reply: FastifyReply, values: Form, errors: Form, status = 200) => {
    const t = kit.t(request);
    return kit.form(
      request,
      reply,
      {
        titleKey: 'signUp.title',
        heading: t('signUp.heading', { brand: kit.config.BRAND_NAME }),
        action: '/sign-up',
        submit: t('signUp.submit'),
        fields: [
          { name: 'firstName', label: t('common.firstName'), autocomplete: 'given-name', value: values.firstName, error: errors.firstName },
          { name: 'lastName', label: t('common.lastName'), autocomplete: 'family-name', value: values.lastName, error: errors.lastName },
          { name: 'email', label: t('common.email'), type: 'email', autocomplete: 'email', value: values.email, error: errors.email },
          { ...newPasswordField(kit, request, 'password', errors.password), label: t('common.password') },
        ],
        links: [{ href: '/sign-in', label: t('signUp.haveAccount') }],
      },
      status,
    );
  };
  const closed = (request: FastifyRequest, reply: FastifyReply) => {
    const t = kit.t(request);
    return kit.message(
      request,
      reply,
      { title: t('signUp.closedTitle'), message: t('signUp.closed'), link: { href: '/sign-in', label: t('signIn.title') } },
      403,
    );
  };

  app.get('/sign-up', page, async (request, reply) =>
    hosted.selfRegistration ? signUpForm(request, reply, {}, {}) : closed(request, reply),
  );

  app.post('/sign-up', postedForm(kit.credentialPage, ['firstName', 'lastName', 'email', 'password', 'csrf']), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    if (!hosted.selfRegistration) return closed(request, reply);
    const t = kit.t(request);
    const form = request.body as Form;
    const values = {
      firstName: form.firstName?.trim() ?? '',
      lastName: form.lastName?.trim() ?? '',
      email: form.email?.trim() ?? '',
    };
    const password = form.password ?? '';
    const errors: Form = overLongErrors(t, values, {
      firstName: values.firstName ? undefined : t('common.required'),
      lastName: values.lastName ? undefined : t('common.required'),
      email: EMAIL.test(values.email) && values.email.length <= 254 ? undefined : t('common.emailInvalid'),
      password: passwordError(request, password, values),
    });
    if (Object.values(errors).some(Boolean)) return signUpForm(request, reply, values, errors, 400);
    await hosted.register(request.caller, { ...values, password }, kit.language(request));
    return kit.message(request, reply, { title: t('signUp.checkInboxTitle'), message: t('signUp.checkInbox', { email: values.email }) });
  });

  /**
   * A mailed link that acts: its GET only shows a button (mail scanners fetch links, and a GET changes
   * nothing); the POST of that button does what the link is for, then says so.
   */
  const linkWithButton = (
    path: `/${MailedLinkKind}`,
    section: ButtonPageSection,
    act: (request: FastifyRequest, token: string) => Promise<unknown>,
  ) => {
    const keys = buttonPageKeys(section);
    app.get(path, page, async (request, reply) => {
      const t = kit.t(request);
      const token = pageQuery(request).token;
      // A link already used (the back button after confirming, say) or spent says so, instead of a button that fails.
      if (!token || !(await hosted.linkIsUsable(path.slice(1) as MailedLinkKind, token)))
        return invalidLink(request, reply, { href: '/sign-in', label: t('signIn.title') });
      return kit.form(request, reply, {
        titleKey: keys.title,
        heading: t(keys.heading),
        intro: t(keys.intro),
        action: path,
        submit: t(keys.submit),
        hidden: { token },
        fields: [],
      });
    });
    app.post(path, postedForm(kit.proofPage, ['token', 'csrf']), async (request, reply) => {
      if (!(await kit.acceptForm(request, reply))) return reply;
      const t = kit.t(request);
      const signInLink = { href: '/sign-in', label: t('signIn.title') };
      try {
        await act(request, (request.body as Form).token ?? '');
      } catch (error) {
        if (kit.isRefusal(error, 'INVALID_LINK')) return invalidLink(request, reply, signInLink);
        throw error;
      }
      return kit.message(request, reply, { title: t(keys.title), message: t(keys.done), link: signInLink });
    });
  };

  linkWithButton('/verify-email', 'verifyEmail', (request, token) => hosted.verifyEmail(request.caller, token));
  linkWithButton('/confirm-email-change', 'emailChange', (request, token) => hosted.confirmEmailChange(request.caller, token));
  linkWithButton('/revert-email-change', 'emailRevert', (request, token) => hosted.revertEmailChange(request.caller, token));
  linkWithButton('/dispute-registration', 'dispute', (request, token) => hosted.disputeRegistration(request.caller, token));

  // Forgotten password: the same answer for every address.
  const forgotForm = (request: FastifyRequest, reply: FastifyReply, email: string, error: string | undefined, status = 200) => {
    const t = kit.t(request);
    return kit.sectionForm(
      request,
      reply,
      'forgotPassword',
      {
        action: '/forgot-password',
        fields: [{ name: 'email', label: t('common.email'), type: 'email', autocomplete: 'username', value: email, error }],
        links: [{ href: '/sign-in', label: t('signIn.title') }],
      },
      status,
    );
  };

  app.get('/forgot-password', page, async (request, reply) => forgotForm(request, reply, '', undefined));

  app.post('/forgot-password', postedForm(kit.credentialPage, ['email', 'csrf']), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const t = kit.t(request);
    const email = (request.body as Form).email?.trim() ?? '';
    if (!EMAIL.test(email) || email.length > 254) return forgotForm(request, reply, email, t('common.emailInvalid'), 400);
    await hosted.forgotPassword(request.caller, email);
    return kit.message(request, reply, {
      title: t('forgotPassword.sentTitle'),
      message: t('forgotPassword.sent', { email, minutes: hosted.resetLinkMinutes }),
      link: { href: '/sign-in', label: t('signIn.title') },
    });
  });

  // A mailed reset (or set-password) link: the token is exchanged on the POST, never echoed into a link.
  const resetForm = (request: FastifyRequest, reply: FastifyReply, token: string, error: string | undefined, status = 200) => {
    return kit.sectionForm(
      request,
      reply,
      'resetPassword',
      {
        action: '/reset-password',
        hidden: { token },
        fields: [newPasswordField(kit, request, 'password', error)],
      },
      status,
    );
  };

  app.get('/reset-password', page, async (request, reply) => {
    const token = pageQuery(request).token;
    if (!token) return invalidLink(request, reply, { href: '/forgot-password', label: kit.t(request)('forgotPassword.title') });
    return resetForm(request, reply, token, undefined);
  });

  app.post('/reset-password', postedForm(kit.proofPage, ['token', 'password', 'csrf']), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const t = kit.t(request);
    const form = request.body as Form;
    const token = form.token ?? '';
    const password = form.password ?? '';
    try {
      await hosted.resetPassword(request.caller, { token, password });
    } catch (caught) {
      if (kit.isRefusal(caught, 'INVALID_LINK'))
        return invalidLink(request, reply, { href: '/forgot-password', label: t('forgotPassword.title') });
      // Only the link knows whose password it is: the policy is checked against that account, and the link still holds.
      const policy = hosted.passwordRefusal(caught);
      if (policy) return resetForm(request, reply, token, t(policy.key, policy), 400);
      throw caught;
    }
    return kit.message(request, reply, {
      title: t('resetPassword.title'),
      message: t('resetPassword.done'),
      link: { href: '/sign-in', label: t('signIn.title') },
    });
  });
}
