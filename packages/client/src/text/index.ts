/** Display text of the wire's values, shared by the CLI and the dashboard (browser-safe: no Node imports). */
export { type WorkflowDefaultFact, workflowDefaultFacts } from './workflow-defaults.ts';
