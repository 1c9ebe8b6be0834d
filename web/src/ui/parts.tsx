import { type ReactNode, useEffect, useRef } from 'react';
import { describeProblem } from '../app/client.js';

/** A page: its heading is the document's title too, and the main landmark's label. */
export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Tessera console`;
  }, [title]);
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions && <div className="actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/**
 * Focus to the page's heading (focusable from code only), where a screen reader then reads on from; false when
 * the page shows no heading yet (still loading).
 */
export function focusPageHeading() {
  const heading = document.getElementById('page-title');
  heading?.focus();
  return heading !== null;
}

/**
 * A request's problem. `takeFocus`: focus moves to it when it shows, for a dialog whose submit button was
 * disabled while the request ran (focus would otherwise fall to the page behind the dialog).
 */
export function ErrorNote({ error, takeFocus = false }: { error?: unknown; takeFocus?: boolean }) {
  const note = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (takeFocus && error) note.current?.focus();
  }, [takeFocus, error]);
  if (!error) return null;
  return (
    <p role="alert" className="error" ref={note} tabIndex={takeFocus ? -1 : undefined}>
      {typeof error === 'string' ? error : describeProblem(error)}
    </p>
  );
}

export const Loading = ({ what = 'Loading…' }: { what?: string }) => (
  <p className="muted" aria-busy="true">
    {what}
  </p>
);

export const Empty = ({ children }: { children: ReactNode }) => <p className="muted empty">{children}</p>;

/** Announces list changes to screen readers without moving focus. */
export const LiveStatus = ({ children }: { children: ReactNode }) => (
  <p className="muted" role="status" aria-live="polite">
    {children}
  </p>
);

const plural = new Intl.PluralRules('en');
/** A count with its noun in the form English gives that count: 1 row, 2 rows, 0 rows. */
export const counted = (count: number, one: string, other: string) => `${count} ${plural.select(count) === 'one' ? one : other}`;

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
export const day = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleDateString() : '—');

/** Saves text as a file the browser downloads. */
export function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Rows as CSV with the given columns, every value quoted; a value a spreadsheet would run as a formula
 * (=, +, -, @) is prefixed with ' so opening the file runs nothing.
 */
export function csvOf<Row>(rows: readonly Row[], columns: readonly (keyof Row & string)[]) {
  const quote = (value: unknown) => {
    const text = String(value ?? '');
    return `"${(/^[=+\-@]/.test(text) ? `'${text}` : text).replaceAll('"', '""')}"`;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((column) => quote(row[column])).join(','))].join('\n');
}

export const fullName = (user: { firstName?: string; lastName?: string; email: string }) =>
  `${user.firstName ?? ''} ${user.lastName ?? ''}`.trim() || user.email;
