import type { NodeMetric } from '@kaygraph/contracts';
import type { WaitingState } from '@kaygraph/graph';

/** The checkpoint as stored in `tasks.checkpoint`: the engine's, plus the metrics of earlier attempts. */
export interface StoredCheckpoint {
  nextNodeId: string | null;
  shared: Record<string, unknown>;
  completedNodeIds: string[];
  lastAction?: string | null;
  metrics: NodeMetric[];
  /** Where a suspended run waits (the engine's `checkpoint.waiting`); absent once a later node completed. */
  waiting?: WaitingState | null;
}

/** A file a run produced, stored with its result. */
export interface ProducedArtifact {
  name: string;
  content_type: string;
  content: string;
  encoding?: 'utf8' | 'base64';
}
