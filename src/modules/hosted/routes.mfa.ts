import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpErrors } from '../../http/errors.js';
import { AssertionJson, AttestationJson } from '../mfa/schemas.js';
import { HIDDEN_VALUE_BOUND, overLongErrors } from './form-bounds.js';
import { type PageKit, page, pageQuery, postedForm } from './routes.js';
import type { HostedSignIn } from './service.js';

type Form = Record<string, string | undefined>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const Hidden = Type.String({ maxLength: HIDDEN_VALUE_BOUND });
/**
 * A passkey button's JSON (views/passkeys.js): the CSRF token and the button's own fields, the same to the options
 * call and to the finish; the finish adds the ceremony's challenge and the browser's answer. Nothing else is taken.
 */
const ceremonyBody = <P extends TProperties>(fields: P) =>
  Type.Object({ csrf: Type.Optional(Hidden), ...fields }, { additionalProperties: false });
const returnTo = { return_to: Type.Optional(Hidden) };
const secondStepFields = { token: Hidden, ...returnTo, rememberDevice: Type.Optional(Type.Boolean()) };
const secondStep = ceremonyBody(secondStepFields);
const secondStepAnswer = ceremonyBody({ ...secondStepFields, challengeId: Hidden, response: AssertionJson });
const passkeySignIn = ceremonyBody(returnTo);
const passkeySignInAnswer = ceremonyBody({ ...returnTo, challengeId: Hidden, response: AssertionJson });
const passkeyRegistration = ceremonyBody({});
const passkeyRegistrationAnswer = ceremonyBody({ challengeId: Hidden, response: AttestationJson });
const ceremony = (body: TSchema) => ({ ...page, schema: { ...page.schema, body } });

/**
 * Strong authentication on the pages: the second step of a sign-in (code, recovery code or passkey), the
 * enrolment a policy requires, "Sign in with a passkey", and an authenticator app or a passkey added from
 * /account. Everything goes through the mfa module's service, as the API does.
 */
export function mfaPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;
  const { mfa } = hosted;

  /**
   * Where a finished sign-in goes; for the passkey buttons, as JSON. Its session replaces the one this browser
   * held (a step-up's weaker sign-in), which ends rather than lingering unseen.
   */
  const finish = async (request: FastifyRequest, reply: FastifyReply, outcome: HostedSignIn, returnTo: string | undefined) => {
    if (outcome.kind === 'pending') return outcome.location;
    const replaced = hosted.sessionCookie(request);
    if (replaced && replaced !== outcome.cookie) await hosted.signOut(request.caller, replaced);
    kit.setSessionCookie(reply, outcome.cookie);
    return returnTo ?? '/account';
  };

  /** The cookie that remembers this browser, when the person asked for it at the second step. */
  const rememberDevice = (reply: FastifyReply, deviceCookie: string | undefined) => {
    if (deviceCookie) reply.header('set-cookie', mfa.devices.cookieHeader(deviceCookie));
  };

  const expired = (request: FastifyRequest, reply: FastifyReply) => {
    const t = kit.t(request);
    const again = { href: '/sign-in', label: t('signIn.title') };
    return kit.message(request, reply, { title: t('mfa.title'), message: t('mfa.expired'), alert: true, link: again }, 400);
  };

  /**
   * The second step offers only what the person holds (the token says who, and only a passed first step has one):
   * the app's code, a passkey, and recovery codes while one is left. An expired token says so before anything.
   */
  const secondFactorPage = async (request: FastifyRequest, reply: FastifyReply, form: Form, formError?: string, status = 200) => {
    const token = form.token ?? '';
    let held: string[];
    try {
      held = await mfa.methodsFor(token);
    } catch (error) {
      if (kit.isRefusal(error, 'INVALID_MFA_TOKEN')) return expired(request, reply);
      throw error;
    }
    const app = held.includes('totp');
    const hasRecovery = held.includes('recovery_code');
    const recovery = hasRecovery && (form.method === 'recovery_code' || !(app || held.includes('webauthn')));
    const returnTo = hosted.safeReturnTo(form.return_to);
    const switchTo = new URLSearchParams({
      token,
      ...(recovery ? {} : { method: 'recovery_code' }),
      ...(returnTo ? { return_to: returnTo } : {}),
    });
    return kit.render(
      request,
      reply,
      'second-factor.eta',
      {
        titleKey: 'mfa.title',
        token,
        recovery,
        app,
        returnTo,
        formError,
        passkey: !recovery && held.includes('webauthn'),
        // From the recovery code back to the app's code or the passkey; to the recovery code while one is left.
        switchHref: recovery || hasRecovery ? `/sign-in/second-factor?${switchTo}` : undefined,
        rememberDays: mfa.devices.days,
      },
      status,
    );
  };

  app.get('/sign-in/second-factor', page, async (request, reply) => {
    if (!pageQuery(request).token) return reply.code(303).redirect('/sign-in');
    return secondFactorPage(request, reply, pageQuery(request));
  });

  app.post(
    '/sign-in/second-factor',
    postedForm(kit.proofPage, ['token', 'method', 'code', 'rememberDevice', 'csrf', 'return_to']),
    async (request, reply) => {
      if (!(await kit.acceptForm(request, reply))) return reply;
      const form = request.body as Form;
      const returnTo = hosted.safeReturnTo(form.return_to);
      const t = kit.t(request);
      const method = form.method === 'recovery_code' ? 'recovery_code' : 'totp';
      const overLong = overLongErrors(t, form).code;
      if (overLong) return secondFactorPage(request, reply, form, overLong, 400);
      try {
        const verified = await hosted.verifySecondFactor(
          request.caller,
          { mfaToken: form.token ?? '', method, code: form.code ?? '', rememberDevice: form.rememberDevice === 'on' },
          returnTo,
        );
        rememberDevice(reply, verified.deviceCookie);
        return reply.code(303).redirect(await finish(request, reply, verified.outcome, returnTo));
      } catch (error) {
        if (kit.isRefusal(error, 'INVALID_MFA_TOKEN', 'VALIDATION_FAILED')) return expired(request, reply);
        if (kit.isRefusal(error, 'RATE_LIMITED') && hosted.isAppError(error)) {
          return secondFactorPage(request, reply, form, kit.throttled(request, reply, error.extra.retryAfterSeconds), 429);
        }
        if (!kit.isRefusal(error, 'INVALID_MFA_CODE')) throw error;
        return secondFactorPage(request, reply, form, t('mfa.wrongCode'), 401);
      }
    },
  );

  // The passkey buttons' JSON calls: same-origin with this browser's CSRF token, like every form.
  app.post('/sign-in/second-factor/passkey-options', { ...kit.ceremonyStartPage, ...ceremony(secondStep) }, async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    return { ...(await mfa.webauthnOptions((request.body as Static<typeof secondStep>).token)), challengeId: 'second-factor' };
  });
  app.post('/sign-in/second-factor/passkey', { ...kit.proofPage, ...ceremony(secondStepAnswer) }, async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const body = request.body as Static<typeof secondStepAnswer>;
    const returnTo = hosted.safeReturnTo(body.return_to);
    const verified = await hosted.verifySecondFactor(
      request.caller,
      { mfaToken: body.token, method: 'webauthn', webauthnResponse: body.response, rememberDevice: body.rememberDevice === true },
      returnTo,
    );
    rememberDevice(reply, verified.deviceCookie);
    return { location: await finish(request, reply, verified.outcome, returnTo) };
  });
  app.post('/sign-in/passkey/options', { ...kit.ceremonyStartPage, ...ceremony(passkeySignIn) }, async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    return mfa.passkeys.loginOptions(request.caller);
  });
  app.post('/sign-in/passkey', { ...kit.proofPage, ...ceremony(passkeySignInAnswer) }, async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const body = request.body as Static<typeof passkeySignInAnswer>;
    const returnTo = hosted.safeReturnTo(body.return_to);
    const input = { challengeId: body.challengeId, response: body.response };
    return { location: await finish(request, reply, await hosted.passkeySignIn(request.caller, input, returnTo), returnTo) };
  });

  /** A browser session's person, or the sign-in page. */
  const signedIn = async (request: FastifyRequest) => {
    const session = await hosted.browserSession(request);
    return session ? hosted.callerOf(request.caller, session) : undefined;
  };

  // Remembered devices on /account: forget one, or all; back to the page (its list shows what is left).
  app.post('/account/remembered-devices/forget', postedForm(page, ['deviceId', 'csrf']), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const caller = await signedIn(request);
    if (!caller) return reply.code(303).redirect('/sign-in?return_to=%2Faccount');
    const deviceId = (request.body as Form).deviceId ?? '';
    try {
      // A form altered to name no device at all is answered like a device already forgotten.
      if (UUID.test(deviceId)) await mfa.devices.forget(caller, deviceId);
    } catch (error) {
      if (!kit.isRefusal(error, 'REMEMBERED_DEVICE_NOT_FOUND')) throw error;
    }
    return reply.code(303).redirect('/account#remembered-heading');
  });
  app.post('/account/remembered-devices/forget-all', postedForm(page, ['csrf']), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const caller = await signedIn(request);
    if (!caller) return reply.code(303).redirect('/sign-in?return_to=%2Faccount');
    await mfa.devices.forgetEvery(caller);
    return reply.code(303).redirect('/account#remembered-heading');
  });

  // A signed-out browser (its session ended in another tab) is told so as the API tells it; the button says it failed.
  app.post('/account/passkeys/options', ceremony(passkeyRegistration), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const caller = await signedIn(request);
    if (!caller) throw httpErrors.UNAUTHORIZED();
    return mfa.passkeys.registrationOptions(caller, {});
  });
  app.post('/account/passkeys', ceremony(passkeyRegistrationAnswer), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const caller = await signedIn(request);
    if (!caller) throw httpErrors.UNAUTHORIZED();
    const body = request.body as Static<typeof passkeyRegistrationAnswer>;
    await mfa.passkeys.register(caller, { challengeId: body.challengeId, response: body.response, name: 'Passkey' });
    return { location: '/account' };
  });

  /**
   * The enrolment page: a new secret as a QR code; `token` for a sign-in that may only enrol. After a wrong
   * code, `retry` shows the same pending secret again with the error (the app has already stored it); one
   * that is gone, a new secret with the error.
   */
  const enrolPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    enrolment: { token?: string; returnTo?: string; action: string },
    retry?: { factorId?: string; formError: string },
  ) => {
    const caller = enrolment.token ? request.caller : await signedIn(request);
    if (!caller) return reply.code(303).redirect('/sign-in?return_to=%2Faccount%2Fauthenticator');
    const t = kit.t(request);
    const input = enrolment.token ? { enrollmentToken: enrolment.token } : {};
    let started: Awaited<ReturnType<typeof mfa.factors.startTotp>>;
    try {
      started = retry?.factorId ? await mfa.factors.pendingTotp(caller, retry.factorId, input) : await mfa.factors.startTotp(caller, input);
    } catch (error) {
      if (kit.isRefusal(error, 'EMAIL_NOT_VERIFIED'))
        return kit.message(request, reply, { title: t('mfa.enrolTitle'), message: t('common.confirmEmailFirst'), alert: true }, 403);
      if (!kit.isRefusal(error, 'STEP_UP_REQUIRED', 'INVALID_ENROLLMENT_TOKEN', 'MFA_DISABLED')) throw error;
      // Adding a factor needs a recent sign-in (with the factor one already has): sign in again.
      const again = { href: '/sign-in?return_to=%2Faccount%2Fauthenticator', label: t('signIn.title') };
      return kit.message(request, reply, { title: t('mfa.enrolTitle'), message: t('mfa.stepUp'), alert: true, link: again }, 401);
    }
    const qrDataUrl = `data:image/svg+xml;base64,${Buffer.from(started.qrSvg).toString('base64')}`;
    return kit.render(
      request,
      reply,
      'authenticator.eta',
      {
        titleKey: 'mfa.enrolTitle',
        ...enrolment,
        required: Boolean(enrolment.token),
        qrDataUrl,
        secret: started.secret,
        // A phone cannot scan its own screen: the same key, opened by the authenticator app on this device.
        otpauthUri: started.otpauthUri,
        factorId: started.factorId,
        formError: retry?.formError,
      },
      retry ? 400 : 200,
    );
  };

  app.get('/account/authenticator', page, async (request, reply) => enrolPage(request, reply, { action: '/account/authenticator' }));
  app.get('/sign-in/enrol', page, async (request, reply) =>
    enrolPage(request, reply, {
      token: pageQuery(request).token,
      returnTo: hosted.safeReturnTo(pageQuery(request).return_to),
      action: '/sign-in/enrol',
    }),
  );

  const confirm = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const form = request.body as Form;
    const returnTo = hosted.safeReturnTo(form.return_to);
    const caller = form.token ? request.caller : await signedIn(request);
    if (!caller) return reply.code(303).redirect('/sign-in');
    const enrolment = form.token ? { enrollmentToken: form.token } : {};
    const again = { token: form.token, returnTo, action: form.token ? '/sign-in/enrol' : '/account/authenticator' };
    // Pasted past any code's length: said as such (no code is checked), with the same key again.
    const overLong = overLongErrors(kit.t(request), form).code;
    if (overLong) return enrolPage(request, reply, again, { factorId: form.factor ?? '', formError: overLong });
    try {
      const confirmed = await mfa.factors.confirmTotp(caller, form.factor ?? '', { ...enrolment, code: form.code ?? '' });
      const outcome = hosted.finishedEnrolment(confirmed.signIn as never, returnTo);
      const next = outcome ? await finish(request, reply, outcome, returnTo) : '/account';
      return kit.render(request, reply, 'recovery-codes.eta', { titleKey: 'mfa.codesTitle', codes: confirmed.recoveryCodes, next });
    } catch (error) {
      if (!kit.isRefusal(error, 'INVALID_MFA_CODE', 'FACTOR_NOT_FOUND', 'VALIDATION_FAILED')) throw error;
      const t = kit.t(request);
      // A wrong code: the same secret again, which the app already holds. A set-up that is gone (replaced in
      // another tab, or a form altered): a new one, and the person is told why.
      const retry = kit.isRefusal(error, 'INVALID_MFA_CODE')
        ? { factorId: form.factor ?? '', formError: t('mfa.enrolWrongCode') }
        : { formError: t('mfa.enrolRestarted') };
      return enrolPage(request, reply, again, retry);
    }
  };
  const confirmBody = postedForm(kit.credentialPage, ['factor', 'code', 'token', 'csrf', 'return_to']);
  app.post('/account/authenticator', confirmBody, confirm);
  app.post('/sign-in/enrol', confirmBody, confirm);
}
