import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { rateLimited } from '../../http/errors.js';
import { requestMeta } from '../../http/request-meta.js';
import { authenticated, publicRoute } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { sessionRoutes } from './routes.sessions.js';
import {
  Accepted,
  ChangePasswordBody,
  EmailBody,
  Jwks,
  LoginBody,
  LogoutBody,
  MeResponse,
  RefreshBody,
  RegisterBody,
  ResetBody,
  TokenBody,
  TokenResponse,
} from './schemas.js';
import type { AuthService } from './service.js';

const tags = ['auth'];
// One message whatever happened, so the answer tells nothing about which addresses have accounts.
const CHECK_INBOX = 'If the address can receive it, a message is on its way. Check your inbox.';

/** Every /auth route; the per-IP limit below applies to all of them. */
export const authRoutes: FastifyPluginAsyncTypebox<{ context: AppContext; auth: AuthService }> = async (app, { context, auth }) => {
  app.addHook('onRequest', async (request) => {
    const { count, ttlMs } = await context.state.increment(`auth-ip:${request.ip}`, 60_000);
    if (count > context.config.AUTH_RATE_LIMIT_PER_MINUTE) throw rateLimited(Math.ceil(ttlMs / 1000));
  });

  app.post(
    '/register',
    {
      config: publicRoute,
      schema: { tags, summary: 'Create an account', body: RegisterBody, response: { 202: Accepted, ...problems(400, 429) } },
    },
    async (request, reply) => {
      await auth.register(request.body, requestMeta(request));
      return reply.status(202).send({ message: CHECK_INBOX });
    },
  );

  app.post(
    '/login',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Sign in with email or username',
        body: LoginBody,
        response: { 200: TokenResponse, ...problems(400, 401, 429) },
      },
    },
    async (request) => auth.login(request.body, requestMeta(request)),
  );

  app.post(
    '/refresh-token',
    {
      config: publicRoute,
      schema: { tags, summary: 'Rotate a refresh token', body: RefreshBody, response: { 200: TokenResponse, ...problems(400, 401, 429) } },
    },
    async (request) => auth.refresh(request.body.refreshToken, requestMeta(request)),
  );

  app.post(
    '/logout',
    {
      config: authenticated,
      schema: { tags, summary: 'End this session', body: LogoutBody, response: { 204: { type: 'null' }, ...problems(401) } },
    },
    async (request, reply) => {
      await auth.logout(request.principal!, request.body?.refreshToken, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.post(
    '/logout-all',
    {
      config: authenticated,
      schema: { tags, summary: 'End every session of this user', response: { 204: { type: 'null' }, ...problems(401) } },
    },
    async (request, reply) => {
      await auth.logoutAll(request.principal!, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.post(
    '/forgot-password',
    {
      config: publicRoute,
      schema: { tags, summary: 'Mail a password reset link', body: EmailBody, response: { 202: Accepted, ...problems(400, 429) } },
    },
    async (request, reply) => {
      await auth.forgotPassword(request.body.email, requestMeta(request));
      return reply.status(202).send({ message: CHECK_INBOX });
    },
  );

  app.post(
    '/reset-password',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Set a new password with a reset link',
        body: ResetBody,
        response: { 204: { type: 'null' }, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await auth.resetPassword(request.body, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.post(
    '/verify-email',
    {
      config: publicRoute,
      schema: { tags, summary: 'Confirm an email address', body: TokenBody, response: { 204: { type: 'null' }, ...problems(400, 429) } },
    },
    async (request, reply) => {
      await auth.verifyEmail(request.body.token, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.post(
    '/resend-verification',
    {
      config: publicRoute,
      schema: { tags, summary: 'Mail a new verification link', body: EmailBody, response: { 202: Accepted, ...problems(400, 429) } },
    },
    async (request, reply) => {
      await auth.resendVerification(request.body.email, requestMeta(request));
      return reply.status(202).send({ message: CHECK_INBOX });
    },
  );

  app.post(
    '/change-password',
    {
      config: authenticated,
      schema: {
        tags,
        summary: 'Change the password',
        body: ChangePasswordBody,
        response: { 204: { type: 'null' }, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      await auth.changePassword(request.principal!, request.body, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.get(
    '/me',
    {
      config: authenticated,
      schema: { tags, summary: 'The signed-in user, roles and effective permissions', response: { 200: MeResponse, ...problems(401) } },
    },
    async (request) => auth.me(request.principal!),
  );

  await app.register(sessionRoutes, { auth });
};

export const jwksRoute: FastifyPluginAsyncTypebox<{ jwks: () => Promise<{ keys: object[] }> }> = async (app, { jwks }) => {
  app.get(
    '/.well-known/jwks.json',
    { config: publicRoute, schema: { tags, summary: 'Public keys that verify access tokens', response: { 200: Jwks } } },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await jwks()),
  );
};
