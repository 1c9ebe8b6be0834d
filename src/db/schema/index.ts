export * from './access.js';
export * from './audit.js';
export * from './auth.js';
export * from './invitations.js';
export * from './learning.js';
export * from './mail.js';
export * from './organizations.js';
export * from './users.js';
