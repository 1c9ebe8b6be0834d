/**
 * Whether a content type names a charset other than UTF-8 (`text/csv; charset=iso-8859-1`). Bodies Tessera reads
 * as text are UTF-8 (JSON has no other, RFC 8259 §8.1); one labelled otherwise would be read as something it is
 * not, so it is refused. Every label the Encoding Standard maps to UTF-8 (`utf8`, `"UTF-8"`) is UTF-8's.
 */
export function namesNonUtf8Charset(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1];
  if (charset === undefined) return false;
  try {
    return new TextDecoder(charset).encoding !== 'utf-8';
  } catch {
    return true;
  }
}
