import { defineModule } from '../../platform/module.js';
import { answerMissingPagesWithPage, answerUnreadableRequestsWithPage, answerWrongMethodsWithPage } from './page-errors.js';
import { accountPages } from './routes.account.js';
import { accountAvatarPages } from './routes.account-avatar.js';
import { accountDeletionPages } from './routes.account-deletion.js';
import { accountKeyPages } from './routes.account-keys.js';
import { accountRecoveryPages } from './routes.flows.js';
import { invitationPages } from './routes.invitation.js';
import { createPageKit } from './routes.js';
import { mfaPages } from './routes.mfa.js';
import { signInPages } from './routes.sign-in.js';
import { socialSignInPages } from './routes.social.js';
import { createHostedService, type HostedDeps, type HostedService } from './service.js';

/**
 * Tessera's own pages under PUBLIC_URL: sign-in, sign-out and the rest of a person's journey, rendered
 * on the server (forms work without JavaScript), in the person's language, on a browser session that is
 * a row of the sessions table like any other.
 */
export const hostedModule = defineModule<HostedService, HostedDeps>({
  name: 'hosted',
  create: (context, deps) => createHostedService(context, deps),
  routes: async (app, hosted, { config, state }) => {
    // Encapsulated: form bodies and the template engine exist for these pages only.
    await app.register(async (pages) => {
      // One place for every page: what they do is audited as done through the hosted pages.
      pages.addHook('preHandler', async (request) => {
        request.caller = { ...request.caller, via: 'hosted' };
      });
      const kit = await createPageKit(pages, hosted, config, state);
      answerUnreadableRequestsWithPage(pages, kit);
      answerWrongMethodsWithPage(pages, kit);
      answerMissingPagesWithPage(pages, kit);
      signInPages(pages, kit);
      socialSignInPages(pages, kit);
      accountRecoveryPages(pages, kit);
      invitationPages(pages, kit);
      accountPages(pages, kit);
      accountDeletionPages(pages, kit);
      accountKeyPages(pages, kit);
      await accountAvatarPages(pages, kit);
      mfaPages(pages, kit);
    });
  },
});
