/** The authenticated party of a request, set by the auth module's authenticator. */
export interface Principal {
  userId: string;
  /** Set for access tokens: the session (refresh-token family) the token belongs to. */
  sessionId: string | null;
  /** Set when the caller used an API key. */
  apiKeyId: string | null;
  organizationId: string | null;
  roles: string[];
  /** Built-in and custom permission names; Tessera's routes check the built-in ones. */
  permissions: ReadonlySet<string>;
  crossTenant: boolean;
  /** Access tokens: how the session's sign-in was proven (RFC 8176 values) and when (seconds since the epoch). */
  amr?: string[];
  authTime?: number;
  /** Set when an administrator acts as this user (impersonation, RFC 8693 `act`): who is really asking. */
  actor?: { userId: string };
}

/**
 * Who is asking and from where: the authenticated principal (absent on public routes), and the request's
 * ip, user agent and id, as the audit trail records them. The HTTP layer builds one per request
 * (`request.caller`); the CLI builds its own.
 */
export interface Caller {
  readonly principal?: Principal;
  readonly ipAddress: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  /**
   * The door other than the API a request came through (`hosted`: Tessera's own pages), which the audit trail records;
   * a sign-in through the hosted pages begins a browser session (the one kind their cookie may name).
   */
  readonly via?: 'hosted';
  /** A cookie the request carried, by name (a remembered device's): absent where there is no request. */
  readonly cookie?: (name: string) => string | undefined;
}

/** A caller known to be signed in (every route whose policy is not public). */
export interface SignedInCaller extends Caller {
  readonly principal: Principal;
}

/** The CLI and start-up: no principal, no request. */
export const systemCaller = (userAgent = 'tessera'): Caller => ({ ipAddress: null, userAgent, requestId: null });
