import { defineModule } from '../../platform/module.js';
import type { MfaDeps } from './deps.js';
import { rememberedDeviceRoutes } from './routes.devices.js';
import { mfaCeremonyStartRoutes, mfaSignInRoutes, ownFactorRoutes, userFactorRoutes } from './routes.js';
import { createMfaService, type MfaService } from './service.js';

/** Second factors, passkeys, MFA policies and step-up: wired right after auth, whose sign-in it extends. */
export const mfaModule = defineModule<MfaService, MfaDeps>({
  name: 'mfa',
  create: (context, deps) => createMfaService(context, deps),
  routes: async (app, mfa, { config, state }) => {
    await app.register(mfaSignInRoutes, { mfa, state, perIpLimit: config.AUTH_RATE_LIMIT_PER_MINUTE });
    await app.register(mfaCeremonyStartRoutes, { mfa, state, perIpLimit: config.AUTH_TOKEN_RATE_LIMIT_PER_MINUTE });
    await app.register(ownFactorRoutes, { mfa });
    await app.register(userFactorRoutes, { mfa });
    await app.register(rememberedDeviceRoutes, { mfa });
  },
  jobs: (mfa) => [{ name: 'mfa-expired-challenges', cron: '23 * * * *', run: mfa.deleteExpired }],
});
