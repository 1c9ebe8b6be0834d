import { defineModule } from '../../platform/module.js';
import type { InvitationsDeps } from './deps.js';
import { invitationRoutes } from './routes.js';
import { invitationPublicRoutes } from './routes.public.js';
import { createInvitationsService, type InvitationsService } from './service.js';

export const invitationsModule = defineModule<InvitationsService, InvitationsDeps>({
  name: 'invitations',
  create: (context, deps) => createInvitationsService(context, deps),
  routes: async (app, invitations, { config, state }) => {
    await app.register(invitationRoutes, { invitations });
    await app.register(invitationPublicRoutes, { invitations, state, perIpLimit: config.AUTH_RATE_LIMIT_PER_MINUTE });
  },
  // Each sweep works from the database's state, not from the tick that woke it: a missed run is caught up by the next.
  jobs: (invitations) => [
    {
      name: 'invitation-reminders',
      cron: '* * * * *',
      run: async () => {
        await invitations.sendDueReminders();
      },
    },
    {
      name: 'expire-invitations',
      cron: '* * * * *',
      run: async () => {
        await invitations.expireDue();
      },
    },
  ],
});
