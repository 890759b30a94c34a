import { useState } from 'preact/hooks';

/**
 * A button for an action that cannot be undone or touches many tasks: a click asks once more
 * ("Purge this dead letter?" Yes / Keep it), in the style of a task's Cancel.
 */
export function ConfirmAction({
  label,
  question,
  confirm,
  disabled,
  danger = false,
  onConfirm,
}: {
  label: string;
  question: string;
  /** The button that goes ahead: "Yes, purge". */
  confirm: string;
  disabled: boolean;
  danger?: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        class={danger ? 'button button-danger' : 'button'}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span class="actions">
      <span class="confirm-label">{question}</span>
      <button
        type="button"
        class="button button-danger"
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </button>
      <button type="button" class="button" onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  );
}
