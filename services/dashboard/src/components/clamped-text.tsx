import { useState } from 'preact/hooks';

/**
 * Text that may run to thousands of characters (an error message): a few lines, so it cannot crush
 * its table's other columns; all of it on a click, and in its title.
 */
export function ClampedText({ text, testId }: { text: string; testId?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <button
      type="button"
      class={open ? 'clamped open' : 'clamped'}
      title={text}
      aria-expanded={open}
      data-testid={testId}
      onClick={() => setOpen(!open)}
    >
      {text}
    </button>
  );
}
