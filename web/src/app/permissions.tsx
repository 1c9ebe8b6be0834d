import { createContext, type ReactNode, useContext } from 'react';

/**
 * The permissions the signed-in administrator holds (GET /auth/me), which decide what the console offers:
 * the areas in its navigation and, within them, the controls for what they may change. A control they may not
 * use is hidden, not disabled (it is noise); fields they may read but not change are shown disabled. The API
 * stays the authority and refuses anything else.
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

/**
 * A form's fields, which only an administrator who holds `permission` may change: for anyone else they are shown
 * disabled (read, not typed in), beside the form's Save that `Allowed` hides.
 */
export function EditableBy({ permission, children }: { permission: string; children: ReactNode }) {
  return (
    <fieldset className="stack bare" disabled={!useMay()(permission)}>
      {children}
    </fieldset>
  );
}
