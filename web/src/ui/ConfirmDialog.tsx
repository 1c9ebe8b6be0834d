import * as Dialog from '@radix-ui/react-dialog';
import { type ComponentProps, type FormEvent, type ReactNode, useRef, useState } from 'react';
import { ErrorNote, focusPageHeading } from './parts.js';

/**
 * A dialog's submission: runs `action`, closes the dialog and clears its problem when it resolves, keeps the
 * dialog open with the problem shown when it throws.
 */
function useDialogSubmission<T>(action: (input: T) => Promise<unknown>, reset: () => void = () => {}) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function run(input: T) {
    setBusy(true);
    try {
      await action(input);
      setOpen(false);
      reset();
      setError(undefined);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return { open, setOpen, error, busy, run };
}

/**
 * The trigger's ref and the dialog content's `onCloseAutoFocus`: focus returns to the trigger (Radix's way) or,
 * when what the dialog did removed it (a deleted row's button, Suspend that became Reactivate), to the page's
 * heading, where Radix would leave it on the document's body.
 */
function useFocusOnClose() {
  const trigger = useRef<HTMLButtonElement>(null);
  function onCloseAutoFocus(event: Event) {
    if (trigger.current?.isConnected) return;
    event.preventDefault();
    focusPageHeading();
  }
  return { trigger, onCloseAutoFocus };
}

/**
 * A confirmation as a dialog (Radix: focus trapped, Escape closes, labelled). `typed`: the word the
 * administrator types to confirm a destructive action; `reason`: a free-text reason the action records.
 */
export function ConfirmDialog(props: {
  trigger: ReactNode;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  typed?: string;
  reason?: string;
  onConfirm: (reason: string) => Promise<unknown>;
}) {
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const { open, setOpen, error, busy, run } = useDialogSubmission(props.onConfirm, () => {
    setTyped('');
    setReason('');
  });
  const { trigger, onCloseAutoFocus } = useFocusOnClose();
  const ready = (!props.typed || typed === props.typed) && (!props.reason || reason.trim().length >= 3);

  function submit(event: FormEvent) {
    event.preventDefault();
    return run(reason.trim());
  }

  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild ref={trigger}>
        {props.trigger}
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" onCloseAutoFocus={onCloseAutoFocus}>
          <Dialog.Title>{props.title}</Dialog.Title>
          <Dialog.Description>{props.description}</Dialog.Description>
          <form onSubmit={submit} className="stack">
            {props.reason && (
              <label>
                {props.reason}
                <input autoComplete="off" value={reason} onChange={(event) => setReason(event.target.value)} required minLength={3} />
              </label>
            )}
            {props.typed && (
              <label>
                Type <strong>{props.typed}</strong> to confirm
                <input value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" />
              </label>
            )}
            <ErrorNote error={error} takeFocus />
            <DialogButtons label={props.confirmLabel} tone={props.danger ? 'danger' : 'primary'} disabled={!ready || busy} />
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A form in a dialog (create, edit): closes when `onSubmit` resolves, shows its problem otherwise. */
export function FormDialog(props: {
  trigger: ReactNode;
  title: string;
  submitLabel: string;
  children: ReactNode;
  onSubmit: (form: FormData) => Promise<unknown>;
}) {
  const { open, setOpen, error, busy, run } = useDialogSubmission(props.onSubmit);
  const { trigger, onCloseAutoFocus } = useFocusOnClose();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    return run(new FormData(event.currentTarget));
  }
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild ref={trigger}>
        {props.trigger}
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined} onCloseAutoFocus={onCloseAutoFocus}>
          <Dialog.Title>{props.title}</Dialog.Title>
          <form onSubmit={submit} className="stack">
            {props.children}
            <ErrorNote error={error} takeFocus />
            <DialogButtons label={props.submitLabel} tone="primary" disabled={busy} />
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A dialog form's buttons: Cancel closes it, the other submits it in the dialog's tone. */
function DialogButtons({ label, tone, disabled }: { label: ReactNode; tone: 'primary' | 'danger'; disabled: boolean }) {
  return (
    <div className="actions">
      <Dialog.Close asChild>
        <button type="button">Cancel</button>
      </Dialog.Close>
      <button type="submit" className={tone} disabled={disabled}>
        {label}
      </button>
    </div>
  );
}

/**
 * A page's main action, creating one of what it lists: a primary "New role" button opening a "New role" form
 * whose button says "Create role".
 */
export function CreateDialog({ noun, ...props }: { noun: string; children: ReactNode; onSubmit: (form: FormData) => Promise<unknown> }) {
  return (
    <FormDialog
      trigger={<TriggerButton tone="primary">{`New ${noun}`}</TriggerButton>}
      title={`New ${noun}`}
      submitLabel={`Create ${noun}`}
      {...props}
    />
  );
}

/**
 * A dialog's trigger in a tone: `primary` for a page's main action ("New webhook"), `danger` for a destructive
 * one. Radix's `asChild` hands it the trigger's props and ref, which it passes on to the button.
 */
export function TriggerButton({ tone, ...props }: ComponentProps<'button'> & { tone: 'primary' | 'danger' }) {
  return <button type="button" className={tone} {...props} />;
}
