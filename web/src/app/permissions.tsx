import { createContext, type ReactNode, useContext } from 'react';

/**
 * The permissions the signed-in administrator holds (GET /auth/me), which decide what the console offers:
 * the areas in its navigation and, within them, the controls for what they may change. Hidden, not
 * disabled: a control they may not use is noise. The API stays the authority and refuses anything else.
 */
const HeldPermissions = createContext<ReadonlySet<string>>(new Set());
export const HeldPermissionsProvider = HeldPermissions.Provider;

/** Whether `held` includes any of `permissions`: the one rule for an area, a control, an administrator. */
export const holdsAny = (held: ReadonlySet<string>, permissions: Iterable<string>) =>
  [...permissions].some((permission) => held.has(permission));

/** Whether the signed-in administrator holds any of these permissions. */
export function useMay() {
  const held = useContext(HeldPermissions);
  return (...permissions: string[]) => holdsAny(held, permissions);
}

/** Its children only for an administrator who holds `permission`: the controls of what it allows. */
export function Allowed({ permission, children }: { permission: string; children: ReactNode }) {
  return useMay()(permission) ? children : null;
}
