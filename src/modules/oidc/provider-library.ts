// biome-ignore-all assist/source/organizeImports: the warning filter must load before oidc-provider's own module runs.
import { restoreConsoleWarn } from './quiet-runtime-warning.js';
import Provider, { errors, interactionPolicy } from 'oidc-provider';

restoreConsoleWarn();

export { errors, interactionPolicy, Provider };
