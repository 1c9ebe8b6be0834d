import { useState } from 'react';

const outcomes = { copied: 'Copied.', refused: (what: string) => `The browser refused to copy: select the ${what} and copy it.` };

/**
 * Copies `text` and says whether it did. The clipboard exists only on HTTPS (and localhost) and the browser may
 * refuse it: the administrator is then told to select `what` and copy it, instead of a click that does nothing.
 */
export function CopyButton({ text, label, what }: { text: string; label: string; what: string }) {
  const [outcome, setOutcome] = useState<string>();
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setOutcome(outcomes.copied);
          } catch {
            setOutcome(outcomes.refused(what));
          }
        }}
      >
        {label}
      </button>
      <span role="status" className="muted">
        {outcome}
      </span>
    </>
  );
}
