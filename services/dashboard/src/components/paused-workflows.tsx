import { href } from '../router.ts';

/**
 * Above the Active page: the workflows paused now (the server's metrics), whose queued tasks no worker
 * starts until someone resumes them, each linked to its page (Resume is there). Nothing when none is.
 */
export function PausedWorkflows({ names }: { names: readonly string[] }) {
  if (names.length === 0) return null;
  const one = names.length === 1;
  return (
    <div class="notice notice-partial" role="status" data-testid="paused-workflows">
      <strong>Paused:</strong>{' '}
      {names.map((name, index) => (
        <span key={name}>
          {index > 0 ? ', ' : null}
          <a href={href({ page: 'submit', workflow: name })}>{name}</a>
        </span>
      ))}
      {`. ${one ? 'Its' : 'Their'} tasks wait in the queue and no worker starts one until ${one ? 'it is' : 'they are'} resumed (on ${one ? 'its' : 'each'} page).`}
    </div>
  );
}
