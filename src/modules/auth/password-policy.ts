// TRANSITIONAL: users' service imports these here until it takes them from src/platform; then this file goes.
export { assertPasswordAcceptable } from '../../platform/password-policy.js';
