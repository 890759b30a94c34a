import { workflowDefaultFacts } from '@kaygraph/client/text';
import type { WorkflowInfo } from '@kaygraph/contracts';
import { Fragment } from 'preact';
import { Panel } from './states.tsx';

/**
 * What a task of the workflow gets unless its submit says otherwise: the current version's `defaults`
 * (priority, retries, timeout, concurrency, rate limit) as the api lists them.
 */
export function WorkflowDefaults({ workflow }: { workflow: WorkflowInfo }) {
  return (
    <Panel title="Defaults">
      <dl class="facts workflow-defaults" data-testid="workflow-defaults">
        {workflowDefaultFacts(workflow.defaults).map((fact) => (
          <Fragment key={fact.label}>
            <dt>{fact.label}</dt>
            <dd data-default={fact.label}>{fact.value}</dd>
          </Fragment>
        ))}
      </dl>
    </Panel>
  );
}
