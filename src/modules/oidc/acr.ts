import { ACR_VALUES, type Acr, acrOf } from '../auth/service.js';

const strength = (acr: Acr) => ACR_VALUES.indexOf(acr);
const isAcr = (value: unknown): value is Acr => typeof value === 'string' && (ACR_VALUES as readonly string[]).includes(value);

/** The acr values an `acr` member of the `claims` parameter names when it is essential (OpenID Connect Core 5.5.1.1). */
function essentialAcrValues(claims: unknown): unknown[] {
  if (typeof claims !== 'string') return [];
  try {
    const acr = JSON.parse(claims)?.id_token?.acr;
    if (!acr?.essential) return [];
    return Array.isArray(acr.values) ? acr.values : [acr.value];
  } catch {
    return [];
  }
}

/**
 * The least strength an authorization request accepts: the weakest of the acr values it names (`acr_values`,
 * or an essential `acr` claim), since any of them will do; undefined when it names none Tessera knows.
 * aal2 is a sign-in with a second factor or a passkey; a stronger sign-in satisfies a weaker request.
 */
export function requiredAcr(params: { acr_values?: unknown; claims?: unknown }): Acr | undefined {
  const named = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : [];
  const known = [...named, ...essentialAcrValues(params.claims)].filter(isAcr);
  if (known.length === 0) return undefined;
  return known.reduce((weakest, acr) => (strength(acr) < strength(weakest) ? acr : weakest));
}

/** Whether a sign-in proven with `amr` is as strong as the request needs. */
export const meetsAcr = (amr: readonly string[], required: Acr | undefined) => !required || strength(acrOf(amr)) >= strength(required);
