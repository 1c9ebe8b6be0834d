/**
 * The token of an `Authorization: Bearer <token>` header, else undefined. The scheme is case-insensitive
 * (RFC 9110 §11.1): a client sending `bearer <token>` presents the same credential.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^bearer +(.*)$/i.exec(authorization);
  return match?.[1]?.trim();
}
