import { describe, expect, it } from 'vitest';
import { copyNode } from './copy.ts';
import { Node } from './node.ts';

class Counter extends Node<{ seen?: number }> {
  count = 1;
  readonly list: number[] = [];
}

describe('copyNode', () => {
  it('copies own fields onto an object of the same class, one level deep', () => {
    const node = new Counter({ id: 'counter' });
    const copy = copyNode(node);
    expect(copy).toBeInstanceOf(Counter);
    expect(copy).not.toBe(node);
    expect(copy.id).toBe('counter');
    copy.count = 2;
    copy.list.push(1);
    expect(node.count).toBe(1);
    expect(node.list).toEqual([1]);
    expect(copy.successors).toBe(node.successors);
  });

  it('keeps properties that are not plain fields as they are: accessors, read-only, hidden, shadowing', () => {
    class Odd extends Node {
      label = 'shadows a getter of the prototype';
      get label2(): string {
        return 'prototype getter';
      }
    }
    Object.defineProperty(Odd.prototype, 'label', {
      get: () => 'prototype accessor',
      set: () => {
        throw new Error('the copy assigned through the prototype accessor');
      },
      configurable: true,
    });
    const node = new Odd();
    let reads = 0;
    Object.defineProperty(node, 'computed', { get: () => ++reads, enumerable: true, configurable: true });
    Object.defineProperty(node, 'frozen', {
      value: 7,
      writable: false,
      enumerable: true,
      configurable: true,
    });
    Object.defineProperty(node, 'hidden', {
      value: 'h',
      writable: true,
      enumerable: false,
      configurable: true,
    });

    const copy = copyNode(node) as Odd & { computed: number; frozen: number; hidden: string };
    expect(copy.label).toBe('shadows a getter of the prototype');
    expect(Object.getOwnPropertyDescriptor(copy, 'computed')?.get).toBeTypeOf('function');
    expect(reads).toBe(0);
    expect(Object.getOwnPropertyDescriptor(copy, 'frozen')?.writable).toBe(false);
    expect(copy.hidden).toBe('h');
    expect(Object.keys(copy)).not.toContain('hidden');
  });
});
