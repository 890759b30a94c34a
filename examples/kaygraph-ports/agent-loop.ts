/**
 * PocketFlow's research agent: decide -> search -> back to decide, until it answers. The "LLM" is a
 * rule (search while the context lacks the answer, up to max_searches) so the run is deterministic.
 */
import { Graph, Node } from '@kaygraph/graph';
import { defineWorkflow } from '@kaygraph/workflows/authoring';
import { z } from 'zod';

/**
 * What the fake search finds, in the order the agent tries it: an array, not an object, because params
 * (like results and the checkpointed store) are stored as jsonb, which does not keep object key order.
 */
type Knowledge = Array<{ topic: string; text: string }>;

interface AgentShared {
  question?: string;
  context?: string[];
  searches?: number;
  query?: string;
  result?: { answer: string; searches: number; context: string[] };
}

interface Decision {
  action: string;
  query?: string;
}

class AskQuestion extends Node<AgentShared> {
  readonly question: string;

  constructor(question: string) {
    super({ id: 'ask' });
    this.question = question;
  }

  override post(shared: AgentShared): void {
    shared.question = this.question;
    shared.context = [];
    shared.searches = 0;
  }
}

class DecideAction extends Node<AgentShared, AgentShared, Decision> {
  readonly knowledge: Knowledge;
  readonly maxSearches: number;
  /** An action the agent returns instead of searching: to see what a graph does with an unwired action. */
  readonly strayAction: string | undefined;

  constructor(config: { knowledge: Knowledge; maxSearches: number; strayAction?: string }) {
    super({ id: 'decide', step: 'Decide what to do' });
    this.knowledge = config.knowledge;
    this.maxSearches = config.maxSearches;
    this.strayAction = config.strayAction;
  }

  override prep(shared: AgentShared): AgentShared {
    return shared;
  }

  override exec(state: AgentShared): Decision {
    if (this.strayAction !== undefined) return { action: this.strayAction };
    const context = state.context ?? [];
    const searches = state.searches ?? 0;
    const unused = this.knowledge
      .map((entry) => entry.topic)
      .filter((topic) => !context.some((line) => line.startsWith(`${topic}:`)));
    const answered = context.some((line) => line.includes('answer:'));
    if (answered || searches >= this.maxSearches || unused.length === 0) return { action: 'answer' };
    return { action: 'search', query: unused[0] };
  }

  override post(shared: AgentShared, _state: AgentShared, decision: Decision): string {
    shared.query = decision.query;
    return decision.action;
  }
}

class SearchWeb extends Node<AgentShared, string, string> {
  readonly knowledge: Knowledge;

  constructor(knowledge: Knowledge) {
    super({ id: 'search', step: 'Search' });
    this.knowledge = knowledge;
  }

  override prep(shared: AgentShared): string {
    return shared.query ?? '';
  }

  override exec(query: string): string {
    this.ctx.log('info', `searching for ${query}`);
    const found = this.knowledge.find((entry) => entry.topic === query);
    return `${query}: ${found?.text ?? 'nothing found'}`;
  }

  override post(shared: AgentShared, _query: string, found: string): string {
    shared.context = [...(shared.context ?? []), found];
    shared.searches = (shared.searches ?? 0) + 1;
    return 'decide';
  }
}

class AnswerQuestion extends Node<AgentShared> {
  constructor() {
    super({ id: 'answer', step: 'Answer' });
  }

  override post(shared: AgentShared): string {
    const context = shared.context ?? [];
    const answer = context.find((line) => line.includes('answer:')) ?? 'I do not know';
    shared.result = { answer, searches: shared.searches ?? 0, context };
    return 'done'; // no edge: the graph ends here, and 'done' is its last action
  }
}

export const agentLoop = defineWorkflow({
  name: 'port_agent_loop',
  description: 'A decide/search/answer agent loop ported from PocketFlow.',
  params: z.strictObject({
    question: z.string(),
    knowledge: z.array(z.object({ topic: z.string(), text: z.string() })),
    max_searches: z.number().int().min(0).default(3),
    stray_action: z.string().optional(),
  }),
  result: z.object({ answer: z.string(), searches: z.number().int(), context: z.array(z.string()) }),
  defaults: { max_retries: 0, timeout_seconds: 60 },
  inline: true,
  graph: ({ question, knowledge, max_searches, stray_action }) => {
    const decide = new DecideAction({
      knowledge,
      maxSearches: max_searches,
      ...(stray_action === undefined ? {} : { strayAction: stray_action }),
    });
    const search = new SearchWeb(knowledge);
    decide.on('search', search);
    decide.on('answer', new AnswerQuestion());
    search.on('decide', decide);
    const start = new AskQuestion(question);
    start.next(decide);
    return new Graph<AgentShared>(start);
  },
});
