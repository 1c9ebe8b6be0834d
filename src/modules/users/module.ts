import { defineModule } from '../../platform/module.js';
import { userAccessRoutes } from './routes.access.js';
import { userRoutes } from './routes.js';
import { memberRoutes } from './routes.members.js';
import { selfRoutes } from './routes.self.js';
import { setupRoutes } from './routes.setup.js';
import { createUsersService, type UsersDeps, type UsersService } from './service.js';

export const usersModule = defineModule<UsersService, UsersDeps>({
  name: 'users',
  create: (context, deps) => createUsersService(context, deps),
  routes: async (app, users, context) => {
    await app.register(userRoutes, { users });
    await app.register(selfRoutes, { users, maxAvatarBytes: context.config.MAX_AVATAR_SIZE_MB * 1024 * 1024 });
    await app.register(userAccessRoutes, { grants: users.grants });
    await app.register(setupRoutes, { users });
    await app.register(memberRoutes, { members: users.members });
  },
});
