import type { ArtifactInfo } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { errorLine, useServices } from '../data/hooks.ts';

/**
 * Downloads an artifact. A plain link could not carry the API key (a Bearer header) and a key in the
 * URL would end up in history and logs: so the bytes are fetched with the header and saved as a blob.
 */
export function ArtifactDownload({ taskId, artifact }: { taskId: string; artifact: ArtifactInfo }) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const { contentType, bytes } = await api.artifact(taskId, artifact.name);
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = artifact.name;
      link.click();
      // The click has handed the blob to the browser's download: the URL is no longer needed.
      setTimeout(() => URL.revokeObjectURL(url), 0);
    } catch (cause) {
      setError(errorLine(api.describeError(cause)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="button" disabled={busy} onClick={download}>
        Download
      </button>
      {error ? <span class="inline-error">{error}</span> : null}
    </>
  );
}
