import { CopyButton } from '../../ui/CopyButton.js';

/** A webhook secret just made: shown this once, with a copy button and what to do with it. */
export interface ShownSecret {
  title: string;
  secret: string;
  note?: string;
}

export function SecretNotice({ shown, onDismiss }: { shown: ShownSecret; onDismiss: () => void }) {
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
        <CopyButton text={shown.secret} label="Copy secret" what="secret" />
        <button type="button" onClick={onDismiss}>
          I have saved it
        </button>
      </div>
    </div>
  );
}
