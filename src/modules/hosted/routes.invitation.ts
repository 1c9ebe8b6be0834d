import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { overLongErrors } from './form-bounds.js';
import { newPasswordField } from './routes.flows.js';
import { type PageKit, page, pageQuery, postedForm } from './routes.js';

type Form = Record<string, string | undefined>;

/**
 * /accept-invitation?token=: the organization and the address invited; a new person chooses a name and a
 * password, the owner of an existing account enters its password (or, signed in already, just accepts).
 * The token is exchanged on the POST and never echoed into a link.
 */
export function invitationPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  const refusal = (request: FastifyRequest, reply: FastifyReply, key: string, status: number) => {
    const t = kit.t(request);
    return kit.message(
      request,
      reply,
      { title: t('invitation.title'), message: t(key), alert: true, link: { href: '/sign-in', label: t('signIn.title') } },
      status,
    );
  };

  const invitationPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    entered: { values?: Form; errors?: Form; formError?: string },
    status = 200,
  ) => {
    const t = kit.t(request);
    let invitation: Awaited<ReturnType<typeof hosted.lookupInvitation>>;
    try {
      invitation = await hosted.lookupInvitation(token);
    } catch (error) {
      if (kit.isRefusal(error, 'INVALID_INVITATION', 'VALIDATION_FAILED')) return refusal(request, reply, 'invitation.invalid', 400);
      throw error;
    }
    const session = await hosted.browserSession(request);
    const person = session && (await hosted.person(session.userId));
    const values = entered.values ?? {};
    const errors = entered.errors ?? {};
    const fields = person
      ? []
      : invitation.accountExists
        ? [{ name: 'password', label: t('common.password'), type: 'password', autocomplete: 'current-password', error: errors.password }]
        : [
            {
              name: 'firstName',
              label: t('common.firstName'),
              autocomplete: 'given-name',
              value: values.firstName,
              error: errors.firstName,
            },
            { name: 'lastName', label: t('common.lastName'), autocomplete: 'family-name', value: values.lastName, error: errors.lastName },
            newPasswordField(kit, request, 'password', errors.password),
          ];
    const explanation = person
      ? t('invitation.signedIn', { email: person.email })
      : t(invitation.accountExists ? 'invitation.existing' : 'invitation.newPerson');
    return kit.form(
      request,
      reply,
      {
        titleKey: 'invitation.title',
        heading: invitation.organization
          ? t('invitation.heading', { organization: invitation.organization.name })
          : t('invitation.headingAccount'),
        intro: `${t('invitation.invitedAs', { email: invitation.email })} ${explanation}`,
        action: '/accept-invitation',
        submit: t('invitation.submit'),
        hidden: { token },
        ...(person ? {} : { username: invitation.email }),
        fields,
        ...(invitation.organization ? { brand: invitation.organization.brand } : {}),
        formError: entered.formError,
      },
      status,
    );
  };

  app.get('/accept-invitation', page, async (request, reply) => {
    const token = pageQuery(request).token;
    if (!token) return refusal(request, reply, 'invitation.invalid', 400);
    return invitationPage(request, reply, token, {});
  });

  app.post(
    '/accept-invitation',
    postedForm(kit.proofPage, ['token', 'password', 'firstName', 'lastName', 'username', 'csrf']),
    async (request, reply) => {
      if (!(await kit.acceptForm(request, reply))) return reply;
      const t = kit.t(request);
      const form = request.body as Form;
      const token = form.token ?? '';
      const values = { firstName: form.firstName?.trim() ?? '', lastName: form.lastName?.trim() ?? '' };
      let session = await hosted.browserSession(request);
      try {
        const invitation = await hosted.lookupInvitation(token);
        if (!session && invitation.accountExists) {
          // The owner proves it is their account the way every sign-in does (throttle, audit, pipeline).
          // A second step sends the person back here, signed in, to accept (the link they came with).
          const back = `/accept-invitation?token=${encodeURIComponent(token)}`;
          const signedIn = await hosted.signIn(request.caller, { identifier: invitation.email, password: form.password ?? '' }, back);
          if (signedIn.kind === 'pending') return reply.code(303).redirect(signedIn.location);
          kit.setSessionCookie(reply, signedIn.cookie);
          session = await hosted.browserSession({ headers: { cookie: `${hosted.cookieName}=${signedIn.cookie}` } });
        } else if (!session) {
          const problem = hosted.passwordProblem(form.password ?? '', { ...values, email: invitation.email });
          const errors: Form = overLongErrors(t, values, {
            firstName: values.firstName ? undefined : t('common.required'),
            lastName: values.lastName ? undefined : t('common.required'),
            password: problem ? t(problem.key, problem) : undefined,
          });
          if (Object.values(errors).some(Boolean)) return invitationPage(request, reply, token, { values, errors }, 400);
        }
        const accepted = await hosted.acceptInvitation(request.caller, session, {
          token,
          ...(session ? {} : { ...values, password: form.password }),
        });
        // The session that accepted was replaced: a second step still owed ends this browser's.
        if (accepted.kind === 'pending') {
          kit.clearSessionCookie(reply);
          return reply.code(303).redirect(accepted.location);
        }
        kit.setSessionCookie(reply, accepted.cookie);
        return reply.code(303).redirect('/account');
      } catch (error) {
        if (kit.isRefusal(error, 'INVALID_CREDENTIALS'))
          return invitationPage(request, reply, token, { errors: { password: t('invitation.wrongPassword') } }, 401);
        if (kit.isRefusal(error, 'RATE_LIMITED') && hosted.isAppError(error)) {
          return invitationPage(request, reply, token, { formError: kit.throttled(request, reply, error.extra.retryAfterSeconds) }, 429);
        }
        if (kit.isRefusal(error, 'INVITATION_FOR_ANOTHER_ACCOUNT')) return refusal(request, reply, 'invitation.anotherAccount', 403);
        if (kit.isRefusal(error, 'ALREADY_A_MEMBER')) return refusal(request, reply, 'invitation.alreadyMember', 409);
        // An account made without a password is checked against its own names, which the page does not know.
        const policy = hosted.passwordRefusal(error);
        if (policy) return invitationPage(request, reply, token, { values, errors: { password: t(policy.key, policy) } }, 400);
        if (kit.isRefusal(error, 'INVALID_INVITATION', 'VALIDATION_FAILED', 'SIGN_IN_TO_ACCEPT'))
          return refusal(request, reply, 'invitation.invalid', 400);
        throw error;
      }
    },
  );
}
