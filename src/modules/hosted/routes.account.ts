import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deviceLabel } from '../../platform/device-label.js';
import type { SelfUpdate } from '../users/schemas.js';
import { overLongErrors } from './form-bounds.js';
import { isLanguage, languages } from './i18n/index.js';
import { newPasswordField } from './routes.flows.js';
import { type PageKit, page, postedForm } from './routes.js';
import { invalidSelfUpdateFields } from './self-update.js';
import type { BrowserSession } from './service.js';

type Form = Record<string, string | undefined>;
type Translate = ReturnType<PageKit['t']>;
const LABELS = { en: 'English', de: 'Deutsch' } as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PROFILE_FIELDS = ['firstName', 'lastName', 'username', 'phone', 'bio', 'timezone'] as const;
/** What a field's value failing the API's schema means, in the person's words. */
const INVALID: Record<string, string> = {
  firstName: 'account.tooLong',
  lastName: 'account.tooLong',
  username: 'account.usernameInvalid',
  phone: 'account.phoneInvalid',
  bio: 'account.tooLong',
  timezone: 'account.timezoneInvalid',
};

/** The profile form as the API's update: an emptied optional field is cleared, an empty time zone left as it is. */
function selfUpdateOf(values: Form, language: string | undefined): SelfUpdate {
  return {
    firstName: values.firstName ?? '',
    lastName: values.lastName ?? '',
    username: values.username || null,
    phone: values.phone || null,
    profile: {
      bio: values.bio || null,
      language: isLanguage(language) ? language : 'en',
      ...(values.timezone ? { timezone: values.timezone } : {}),
    },
  };
}

/** Names required, then every value checked by the API's own schema. */
function profileErrors(t: Translate, values: Form): Form {
  const errors: Form = {
    firstName: values.firstName ? undefined : t('common.required'),
    lastName: values.lastName ? undefined : t('common.required'),
  };
  for (const field of invalidSelfUpdateFields(selfUpdateOf(values, undefined))) {
    const key = INVALID[field];
    if (key) errors[field] ??= t(key);
  }
  return errors;
}

const CHOICES = {
  difficultyPreference: ['BEGINNER', 'INTERMEDIATE', 'ADVANCED', 'EXPERT'],
  pacePreference: ['SLOW', 'MODERATE', 'FAST', 'SELF_PACED'],
  reminderFrequency: ['DAILY', 'WEEKLY', 'MONTHLY', 'NEVER'],
} as const;
const CHOICE_LABELS = {
  difficultyPreference: 'account.difficulty',
  pacePreference: 'account.pace',
  reminderFrequency: 'account.reminderFrequency',
};

/** The learning preferences the page offers, as selects with the saved choice, the daily goal and the contrast box. */
function preferencesForm(t: Translate, saved: Record<string, unknown> | null, dailyStudyGoal: string | undefined) {
  const selects = (Object.keys(CHOICES) as (keyof typeof CHOICES)[]).map((name) => ({
    name,
    label: t(CHOICE_LABELS[name]),
    options: CHOICES[name].map((value) => ({ value, label: t(`account.choice.${value}`), selected: saved?.[name] === value })),
  }));
  const goal = dailyStudyGoal ?? (typeof saved?.dailyStudyGoal === 'number' ? String(saved.dailyStudyGoal) : '');
  return { selects, dailyStudyGoal: goal, highContrast: saved?.highContrast === true };
}

/** A username or phone number another account holds: the field and its message, else undefined. */
function takenField(kit: PageKit, error: unknown) {
  if (kit.isRefusal(error, 'USERNAME_ALREADY_EXISTS')) return { field: 'username', key: 'account.usernameTaken' };
  if (kit.isRefusal(error, 'PHONE_ALREADY_EXISTS')) return { field: 'phone', key: 'account.phoneTaken' };
  return undefined;
}

/** What the time zone field suggests as it is typed in: every zone of this runtime's IANA database. */
const timeZones = ['UTC', ...Intl.supportedValuesOf('timeZone')];

/**
 * /account: the signed-in person's profile, organizations, email address, password, sessions, linked providers
 * and data; every change is a form post.
 */
export function accountPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  /**
   * The session of the request, or a redirect to sign in and come back; the page then speaks the person's own
   * language, and so do the errors a form's handler words before the page is rendered.
   */
  const signedIn = (request: FastifyRequest, reply: FastifyReply) => kit.signedInPerson(request, reply, '/account');

  /** A form post of this origin with its CSRF token, by a signed-in person: their session, else the answer is sent. */
  const signedInForm = async (request: FastifyRequest, reply: FastifyReply) =>
    (await kit.acceptForm(request, reply)) ? signedIn(request, reply) : undefined;

  const accountPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: BrowserSession,
    extra: { noticeKey?: string; notice?: string; errors?: Form; values?: Form },
    status = 200,
  ) => {
    const person = await hosted.account.profile(request.caller, session);
    const language = person.profile.language;
    // The person's own language, unless the address asks for another.
    if (isLanguage(language)) request.hostedLanguage = language;
    const t = kit.t(request);
    const when = (iso: string, timeStyle?: 'short') =>
      new Date(iso).toLocaleString(language, { dateStyle: 'medium', timeStyle, timeZone: person.profile.timezone });
    const device = (userAgent: string | null) => deviceLabel(userAgent, (browser, system) => t('account.deviceOn', { browser, system }));
    const sessions = (await hosted.account.sessions(request.caller, session)).map((entry) => ({
      ...entry,
      device: device(entry.userAgent),
      current: entry.id === session.sessionId,
      lastUsedLabel: when(entry.lastUsedAt, 'short'),
    }));
    const remembered = await hosted.mfa.devices.list(hosted.callerOf(request.caller, session));
    return kit.render(
      request,
      reply,
      'account.eta',
      {
        titleKey: 'account.title',
        wide: true,
        person: {
          email: person.email,
          pendingEmail: person.pendingEmail,
          firstName: extra.values?.firstName ?? person.firstName,
          lastName: extra.values?.lastName ?? person.lastName,
          username: extra.values?.username ?? person.username ?? '',
          phone: extra.values?.phone ?? person.phone ?? '',
          bio: extra.values?.bio ?? person.profile.bio ?? '',
          timezone: extra.values?.timezone ?? person.profile.timezone,
          language,
        },
        newEmail: extra.values?.newEmail ?? '',
        preferences: preferencesForm(t, person.preferences, extra.values?.dailyStudyGoal),
        identities: await hosted.account.identities(request.caller, session),
        languageChoices: languages.map((code) => ({ code, label: LABELS[code] })),
        timeZones,
        newPasswordField: { ...newPasswordField(kit, request, 'newPassword', extra.errors?.newPassword), label: t('common.newPassword') },
        sessions,
        factors: (await hosted.mfa.factors.list(hosted.callerOf(request.caller, session))).data,
        // Factors are added only on a confirmed address: until then the page says so instead of offering them.
        addressProven: person.emailVerified,
        rememberedDevices: remembered.data.map((entry) => ({
          ...entry,
          device: device(entry.userAgent),
          // A device is remembered for days: its first and last day say enough.
          createdLabel: when(entry.createdAt),
          lastUsedLabel: entry.lastUsedAt ? when(entry.lastUsedAt, 'short') : t('mfa.neverUsed'),
          expiresLabel: when(entry.expiresAt),
        })),
        organizations: await hosted.account.organizations(request.caller, session),
        errors: extra.errors ?? {},
        notice: extra.notice ?? (extra.noticeKey ? t(extra.noticeKey) : undefined),
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
    // Each value is bounded as through the API; longer is the profile's own field error (profileErrors).
    postedForm(page, ['firstName', 'lastName', 'username', 'phone', 'bio', 'timezone', 'language', 'csrf']),
    async (request, reply) => {
      const session = await signedInForm(request, reply);
      if (!session) return reply;
      const form = request.body as Form;
      const values = Object.fromEntries(PROFILE_FIELDS.map((field) => [field, form[field]?.trim() ?? '']));
      const errors = profileErrors(kit.t(request), values);
      if (Object.values(errors).some(Boolean)) return accountPage(request, reply, session, { errors, values }, 400);
      try {
        await hosted.account.updateProfile(request.caller, session, selfUpdateOf(values, form.language));
      } catch (error) {
        const taken = takenField(kit, error);
        if (!taken) throw error;
        return accountPage(request, reply, session, { errors: { [taken.field]: kit.t(request)(taken.key) }, values }, 409);
      }
      return accountPage(request, reply, session, { noticeKey: 'account.saved' });
    },
  );

  app.post(
    '/account/preferences',
    postedForm(page, ['difficultyPreference', 'pacePreference', 'dailyStudyGoal', 'reminderFrequency', 'highContrast', 'csrf']),
    async (request, reply) => {
      const session = await signedInForm(request, reply);
      if (!session) return reply;
      const form = request.body as Form;
      const goal = form.dailyStudyGoal?.trim() ?? '';
      const preferences = {
        ...(form.difficultyPreference ? { difficultyPreference: form.difficultyPreference } : {}),
        ...(form.pacePreference ? { pacePreference: form.pacePreference } : {}),
        ...(form.reminderFrequency ? { reminderFrequency: form.reminderFrequency } : {}),
        dailyStudyGoal: goal === '' ? null : /^\d{1,5}$/.test(goal) ? Number(goal) : Number.NaN,
        // An unticked box is not sent at all: its absence is the "no".
        highContrast: form.highContrast === 'on',
      } as NonNullable<SelfUpdate['preferences']>;
      if (invalidSelfUpdateFields({ preferences }).length > 0) {
        const errors = { dailyStudyGoal: kit.t(request)('account.dailyGoalInvalid') };
        return accountPage(request, reply, session, { errors, values: { dailyStudyGoal: goal } }, 400);
      }
      await hosted.account.updateProfile(request.caller, session, { preferences });
      return accountPage(request, reply, session, { noticeKey: 'account.saved' });
    },
  );

  app.post('/account/email', postedForm(kit.proofPage, ['newEmail', 'emailPassword', 'csrf']), async (request, reply) => {
    const session = await signedInForm(request, reply);
    if (!session) return reply;
    const t = kit.t(request);
    const form = request.body as Form;
    const newEmail = form.newEmail?.trim() ?? '';
    const values = { newEmail };
    if (!EMAIL.test(newEmail) || newEmail.length > 254)
      return accountPage(request, reply, session, { errors: { newEmail: t('common.emailInvalid') }, values }, 400);
    const overLong = overLongErrors(t, form);
    if (overLong.emailPassword) return accountPage(request, reply, session, { errors: overLong, values }, 400);
    const person = await hosted.account.profile(request.caller, session);
    if (newEmail.toLowerCase() === person.email.toLowerCase())
      return accountPage(request, reply, session, { errors: { newEmail: t('account.emailSame') }, values }, 400);
    try {
      await hosted.account.updateProfile(request.caller, session, { email: newEmail, currentPassword: form.emailPassword ?? '' });
    } catch (error) {
      if (kit.isRefusal(error, 'RATE_LIMITED') && hosted.isAppError(error)) {
        const wait = kit.throttled(request, reply, error.extra.retryAfterSeconds);
        return accountPage(request, reply, session, { errors: { emailPassword: wait }, values }, 429);
      }
      if (!kit.isRefusal(error, 'REAUTHENTICATION_REQUIRED')) throw error;
      return accountPage(request, reply, session, { errors: { emailPassword: t('account.wrongCurrent') }, values }, 400);
    }
    return accountPage(request, reply, session, { notice: t('account.emailRequested', { email: newEmail }) });
  });

  app.post('/account/identities/unlink', postedForm(page, ['identityId', 'csrf']), async (request, reply) => {
    const session = await signedInForm(request, reply);
    if (!session) return reply;
    try {
      await hosted.account.unlinkIdentity(request.caller, session, (request.body as Form).identityId ?? '');
    } catch (error) {
      if (kit.isRefusal(error, 'LAST_SIGN_IN_METHOD'))
        return accountPage(request, reply, session, { errors: { identities: kit.t(request)('account.lastMethod') } }, 409);
      if (!kit.isRefusal(error, 'IDENTITY_NOT_FOUND', 'VALIDATION_FAILED')) throw error;
    }
    return accountPage(request, reply, session, { noticeKey: 'account.unlinked' });
  });

  // A POST, not a link: a page elsewhere cannot have the browser fetch (and audit) an export.
  app.post('/account/export', postedForm(page, ['csrf']), async (request, reply) => {
    const session = await signedInForm(request, reply);
    if (!session) return reply;
    const { userId, json } = await hosted.account.exportData(request.caller, session);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="tessera-user-${userId}.json"`)
      .send(Readable.from(json(2)));
  });

  app.post(
    '/account/password',
    postedForm(kit.proofPage, ['currentPassword', 'newPassword', 'username', 'csrf']),
    async (request, reply) => {
      const session = await signedInForm(request, reply);
      if (!session) return reply;
      const t = kit.t(request);
      const form = request.body as Form;
      const errors = overLongErrors(t, form, {});
      if (errors.newPassword || errors.currentPassword) return accountPage(request, reply, session, { errors }, 400);
      try {
        await hosted.account.changePassword(request.caller, session, {
          currentPassword: form.currentPassword ?? '',
          newPassword: form.newPassword ?? '',
        });
      } catch (error) {
        if (kit.isRefusal(error, 'WRONG_CURRENT_PASSWORD'))
          return accountPage(request, reply, session, { errors: { currentPassword: t('account.wrongCurrent') } }, 400);
        // A sign-in without the person's second factor: its step first, then back to the form.
        if (kit.isRefusal(error, 'STEP_UP_REQUIRED')) {
          const location = await hosted.stepUp(request.caller, session, '/account');
          if (location) return reply.code(303).redirect(location);
        }
        // Wrong current passwords count toward the sign-in throttle: how long to wait, on the field.
        if (kit.isRefusal(error, 'RATE_LIMITED') && hosted.isAppError(error)) {
          const wait = kit.throttled(request, reply, error.extra.retryAfterSeconds);
          return accountPage(request, reply, session, { errors: { currentPassword: wait } }, 429);
        }
        // The policy is checked against the account by the change itself.
        const policy = hosted.passwordRefusal(error);
        if (policy) return accountPage(request, reply, session, { errors: { newPassword: t(policy.key, policy) } }, 400);
        throw error;
      }
      return accountPage(request, reply, session, { noticeKey: 'account.passwordChanged' });
    },
  );

  app.post('/account/sessions/end', postedForm(page, ['sessionId', 'csrf']), async (request, reply) => {
    const session = await signedInForm(request, reply);
    if (!session) return reply;
    const sessionId = (request.body as Form).sessionId ?? '';
    try {
      if (sessionId !== session.sessionId) await hosted.account.endSession(request.caller, session, sessionId);
    } catch (error) {
      if (!kit.isRefusal(error, 'SESSION_NOT_FOUND', 'VALIDATION_FAILED')) throw error;
    }
    return accountPage(request, reply, session, { noticeKey: 'account.sessionEnded' });
  });

  app.post('/account/sessions/end-others', postedForm(page, ['csrf']), async (request, reply) => {
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
    app.post(path, postedForm(page, ['organizationId', 'csrf']), async (request, reply) => {
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
