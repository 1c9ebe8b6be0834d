import { useState } from 'react';

/** A webhook secret just made: shown this once, with a copy button and what to do with it. */
export interface ShownSecret {
  title: string;
  secret: string;
  note?: string;
}

export function SecretNotice({ shown, onDismiss }: { shown: ShownSecret; onDismiss: () => void }) {
  const [copied, setCopied] = useState<boolean>();
  async function copy() {
    try {
      await navigator.clipboard.writeText(shown.secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div className="notice warning" role="status">
      <p>
        <strong>{shown.title}.</strong> Copy the signing secret now: it is not shown again. Your receiver verifies each delivery with it
        (Standard Webhooks).
      </p>
      <p>
        <code className="secret">{shown.secret}</code>
      </p>
      {shown.note && <p>{shown.note}</p>}
      <div className="actions">
        <button type="button" onClick={copy}>
          Copy secret
        </button>
        <button type="button" onClick={onDismiss}>
          I have saved it
        </button>
        {copied !== undefined && <span>{copied ? 'Copied.' : 'The browser refused to copy: select the secret and copy it.'}</span>}
      </div>
    </div>
  );
}
