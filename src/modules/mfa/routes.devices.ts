import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { authenticated, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { accessErrors } from '../access/errors.js';
import { mfaErrors as errors } from './errors.js';
import { DeviceParams, RememberedDeviceList } from './schemas.js';
import type { MfaService } from './service.js';

const operation = operations(['mfa']);

/** A person's remembered devices ("Remember this device" at the second step): listed and forgotten, never shown their token. */
export const rememberedDeviceRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService }> = async (app, { mfa }) => {
  app.get(
    '/auth/mfa/remembered-devices',
    operation(authenticated, {
      summary: 'Your remembered devices',
      description:
        'Browsers that skip the second step after you ticked "Remember this device": their user agent, when remembered, last used and until when. Never the cookie or its hash.',
      response: { 200: RememberedDeviceList },
    }),
    async (request) => mfa.devices.list(signedIn(request.caller)),
  );

  app.delete(
    '/auth/mfa/remembered-devices/:id',
    operation(authenticated, {
      summary: 'Forget a remembered device',
      description: 'Its next sign-in asks the second factor again. Audited as mfa.device_forgotten.',
      params: DeviceParams,
      response: {
        204: NoContent,
        ...problems(errors.REMEMBERED_DEVICE_NOT_FOUND, accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED),
      },
    }),
    async (request) => {
      await mfa.devices.forget(signedIn(request.caller), request.params.id);
    },
  );

  app.delete(
    '/auth/mfa/remembered-devices',
    operation(authenticated, {
      summary: 'Forget every remembered device',
      description: 'Every browser asks the second factor again at its next sign-in. Audited as mfa.device_forgotten.',
      response: { 204: NoContent, ...problems(accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED) },
    }),
    async (request) => {
      await mfa.devices.forgetEvery(signedIn(request.caller));
    },
  );
};
