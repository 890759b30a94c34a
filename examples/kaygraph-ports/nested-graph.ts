/**
 * A graph used as a node: `validate` (check -> normalize) runs inside the order graph, and its last
 * action picks the outer edge ('invalid' -> reject, default -> ship). Both levels share one store.
 * One Audit node instance is reached twice (before and after validation).
 */
import { Graph, Node } from '@kaygraph/graph';
import { defineWorkflow } from '@kaygraph/workflows/authoring';
import { z } from 'zod';

interface Order {
  sku: string;
  quantity: number;
}

interface OrderShared {
  order?: Order;
  normalized?: Order;
  audit?: string[];
  result?: { outcome: 'shipped' | 'rejected'; order: Order | null; audit: string[] };
}

class Receive extends Node<OrderShared> {
  readonly order: Order;

  constructor(order: Order) {
    super({ id: 'receive', step: 'Receive order' });
    this.order = order;
  }

  override post(shared: OrderShared): void {
    shared.order = this.order;
    shared.audit = [];
  }
}

/** Notes where the run is: one instance, reached from two edges. */
class Audit extends Node<OrderShared> {
  override post(shared: OrderShared): string {
    const stage = shared.normalized ? 'validated' : 'received';
    shared.audit = [...(shared.audit ?? []), stage];
    return stage;
  }
}

class CheckOrder extends Node<OrderShared, Order | undefined, boolean> {
  override prep(shared: OrderShared): Order | undefined {
    return shared.order;
  }

  override exec(order: Order | undefined): boolean {
    return order !== undefined && order.quantity > 0 && order.sku.trim() !== '';
  }

  override post(_shared: OrderShared, _order: Order | undefined, valid: boolean): string | undefined {
    // 'invalid' has no edge inside this graph: it ends it, and the outer graph follows it.
    return valid ? undefined : 'invalid';
  }
}

class Normalize extends Node<OrderShared> {
  override post(shared: OrderShared): void {
    const order = shared.order;
    if (order) shared.normalized = { sku: order.sku.trim().toUpperCase(), quantity: order.quantity };
  }
}

class Conclude extends Node<OrderShared> {
  readonly outcome: 'shipped' | 'rejected';

  constructor(outcome: 'shipped' | 'rejected') {
    super({ id: outcome });
    this.outcome = outcome;
  }

  override post(shared: OrderShared): void {
    shared.result = { outcome: this.outcome, order: shared.normalized ?? null, audit: shared.audit ?? [] };
  }
}

export const nestedGraph = defineWorkflow({
  name: 'port_nested_graph',
  description: 'A validation graph nested in an order graph, with its own outer edges.',
  params: z.strictObject({ sku: z.string(), quantity: z.number().int() }),
  result: z.object({
    outcome: z.enum(['shipped', 'rejected']),
    order: z.object({ sku: z.string(), quantity: z.number().int() }).nullable(),
    audit: z.array(z.string()),
  }),
  defaults: { max_retries: 0, timeout_seconds: 60 },
  inline: true,
  graph: (order) => {
    const check = new CheckOrder({ id: 'check' });
    check.next(new Normalize({ id: 'normalize' }));
    const validate = new Graph<OrderShared>(check, { id: 'validate', step: 'Validate order' });
    const audit = new Audit({ id: 'audit' });
    const receive = new Receive(order);
    receive.next(audit);
    audit.on('received', validate);
    validate.next(audit); // the same Audit node again, now answering 'validated'
    validate.on('invalid', new Conclude('rejected'));
    audit.on('validated', new Conclude('shipped'));
    return new Graph<OrderShared>(receive);
  },
});
