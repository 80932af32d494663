/**
 * Einsum equations: parsing, the implicit output, and the rewriting of '...' into explicit letters once the
 * operands' ranks are known. The operator definition (ops/einsum.ts) infers shapes and writes gradients on
 * the explicit form, in which every operand and the output are plain lists of letters.
 *
 * The grammar handled is ONNX's (numpy's): terms of letters a-z and A-Z, at most one '...' per term,
 * separated by ',', optionally followed by '->' and the output term; spaces are ignored. Without '->' the
 * output is '...' (when any operand has one) followed by the letters that occur exactly once, in
 * alphabetical (character code) order, so 'ii' is a trace and 'ba' a transpose.
 */

/** One term of an equation as written: its letters and, when it has '...', the position it stands at. */
export interface Term {
  letters: string[];
  /** Index in `letters` before which '...' stands, or -1 without one. */
  ellipsis: number;
}

/** An equation as written. */
export interface Equation {
  inputs: Term[];
  /** null for an implicit output. */
  output: Term | null;
}

/** An equation with '...' replaced by letters: the letters of each operand (one per axis) and of the output. */
export interface ExplicitEquation {
  inputs: string[][];
  output: string[];
  /** The letters that stand for '...' axes (these broadcast against each other, right-aligned). */
  ellipsisLetters: Set<string>;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function parseTerm(text: string, fail: (message: string) => never): Term {
  const letters: string[] = [];
  let ellipsis = -1;
  for (let i = 0; i < text.length;) {
    if (text.startsWith('...', i)) {
      if (ellipsis >= 0) fail(`term '${text}' has more than one '...'`);
      ellipsis = letters.length;
      i += 3;
    } else if (LETTERS.includes(text[i])) {
      letters.push(text[i]);
      i += 1;
    } else fail(`term '${text}' has the character '${text[i]}'; terms hold letters a-z, A-Z and one '...'`);
  }
  return { letters, ellipsis };
}

/** Parses an equation; `fail` is called with what is wrong. */
export function parseEquation(equation: string, fail: (message: string) => never): Equation {
  const text = equation.replace(/\s+/g, '');
  const parts = text.split('->');
  if (parts.length > 2) fail(`equation '${equation}' has more than one '->'`);
  const inputs = parts[0].split(',').map((t) => parseTerm(t, fail));
  const output = parts.length === 2 ? parseTerm(parts[1], fail) : null;
  if (output !== null) {
    const seen = new Set<string>();
    for (const l of output.letters) {
      if (seen.has(l)) fail(`the output of equation '${equation}' repeats the letter '${l}'`);
      seen.add(l);
      if (!inputs.some((t) => t.letters.includes(l))) fail(`the output letter '${l}' of equation '${equation}' is in no input`);
    }
    if (output.ellipsis >= 0 && !inputs.some((t) => t.ellipsis >= 0)) fail(`the output of equation '${equation}' has '...' but no input has`);
  }
  return { inputs, output };
}

/** Letters the equation does not use, for '...' axes and for gradient equations; fails when too few are left. */
export function unusedLetters(used: Iterable<string>, count: number, fail: (message: string) => never): string[] {
  const taken = new Set(used);
  const free = [...LETTERS].filter((l) => !taken.has(l));
  if (free.length < count) fail(`an equation needs ${count} more letters than the ${free.length} left unused`);
  return free.slice(0, count);
}

/**
 * The explicit form of `eq` for operands of the given ranks. Every operand's '...' becomes the same fresh
 * letters, one per axis it stands for (ONNX requires the same number in every operand; extents of 1
 * broadcast).
 */
export function makeExplicit(eq: Equation, ranks: readonly number[], equation: string, fail: (message: string) => never): ExplicitEquation {
  if (ranks.length !== eq.inputs.length) fail(`equation '${equation}' has ${eq.inputs.length} input terms for ${ranks.length} inputs`);
  const widths = eq.inputs.map((t, k) => {
    const w = ranks[k] - t.letters.length;
    if (t.ellipsis < 0 && w !== 0) fail(`input ${k} has rank ${ranks[k]} but its term '${t.letters.join('')}' names ${t.letters.length} axes`);
    if (w < 0) fail(`input ${k} has rank ${ranks[k]} but its term names ${t.letters.length} axes besides '...'`);
    return w;
  });
  // ONNX requires every '...' to stand for the same number of axes (numpy would right-align them).
  const first = eq.inputs.findIndex((t) => t.ellipsis >= 0);
  eq.inputs.forEach((t, k) => {
    if (t.ellipsis >= 0 && widths[k] !== widths[first]) fail(`'...' stands for ${widths[first]} axes in input ${first} and ${widths[k]} in input ${k}; ONNX requires the same number`);
  });
  const width = Math.max(0, ...widths);
  const used = new Set(eq.inputs.flatMap((t) => t.letters));
  const fresh = unusedLetters(used, width, fail);
  const expand = (t: Term) => (t.ellipsis < 0 ? [...t.letters] : [...t.letters.slice(0, t.ellipsis), ...fresh, ...t.letters.slice(t.ellipsis)]);
  const inputs = eq.inputs.map((t) => expand(t));
  let output: string[];
  if (eq.output === null) {
    const counts = new Map<string, number>();
    for (const t of eq.inputs) for (const l of t.letters) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts.entries()]
      .filter(([, n]) => n === 1)
      .map(([l]) => l)
      .sort();
    output = [...fresh, ...once];
  } else {
    if (eq.output.ellipsis < 0 && width > 0) fail(`equation '${equation}' sums over the '...' axes (its output has no '...'), which is not supported`);
    output = expand(eq.output);
  }
  return { inputs, output, ellipsisLetters: new Set(fresh) };
}

/** An explicit equation as a string ('ij,jk->ik'). */
export function formatEquation(inputs: readonly (readonly string[])[], output: readonly string[]): string {
  return `${inputs.map((t) => t.join('')).join(',')}->${output.join('')}`;
}
