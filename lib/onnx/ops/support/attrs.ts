/**
 * Typed reads of node attributes with defaults. A missing attribute without a default, or one of the
 * wrong kind, is an invalid model (LPC_INVALID_MODEL naming the node).
 */
import { LpcError } from '../../../errors.js';
import { describeNode, type Attribute, type Node } from '../../ir.js';
import type { Tensor } from '../../tensor.js';
import type { AttrReader } from '../types.js';

/** An AttrReader over a node's attributes. */
export function attrReader(node: Node): AttrReader {
  const get = <K extends Attribute['kind']>(name: string, kind: K, fallback: unknown) => {
    const a = node.attrs.get(name);
    if (a === undefined) {
      if (fallback === undefined) throw new LpcError('LPC_INVALID_MODEL', `node ${describeNode(node)} lacks required attribute '${name}'`);
      return fallback;
    }
    if (a.kind !== kind) throw new LpcError('LPC_INVALID_MODEL', `attribute '${name}' of node ${describeNode(node)} is ${a.kind}; expected ${kind}`);
    return (a as { value: unknown }).value;
  };
  return {
    has: (name) => node.attrs.has(name),
    int: (name, fallback) => get(name, 'int', fallback) as number,
    float: (name, fallback) => get(name, 'float', fallback) as number,
    string: (name, fallback) => get(name, 'string', fallback) as string,
    ints: (name, fallback) => [...(get(name, 'ints', fallback) as number[])],
    floats: (name, fallback) => [...(get(name, 'floats', fallback) as number[])],
    tensor: (name) => {
      const a = node.attrs.get(name);
      return a?.kind === 'tensor' ? (a.value as Tensor) : undefined;
    },
    raw: (name) => node.attrs.get(name),
  };
}
