/**
 * Products and exact quotients of dims that may be symbolic. A dim is read as a monomial: an integer
 * coefficient times symbols, written the way symbolic exporters write derived dims ('batch', '28*batch',
 * '2*s0*s1'). Equal monomials print equally (the coefficient first, symbols sorted), so dims derived on
 * different paths compare equal, and a quotient is known exactly when the divisor's symbols all cancel and
 * its coefficient divides. That is what lets a Reshape with -1 or a Flatten keep a dynamic batch symbolic:
 * ['chains', 16] -> [-1, 1, 4, 4] gives ['chains', 1, 4, 4], and [batch, 784] -> [-1, 28] gives '28*batch'.
 */
import type { Dim } from '../../ir.js';

interface Monomial {
  coefficient: number;
  symbols: string[];
}

function parse(d: Dim): Monomial | null {
  if (d === null) return null;
  if (typeof d === 'number') return { coefficient: d, symbols: [] };
  let coefficient = 1;
  const symbols: string[] = [];
  for (const part of d.split('*').map((p) => p.trim())) {
    if (/^\d+$/.test(part)) coefficient *= Number(part);
    else if (part === '') return null;
    else symbols.push(part);
  }
  return { coefficient, symbols: symbols.sort() };
}

function format(m: Monomial): Dim {
  if (m.symbols.length === 0 || m.coefficient === 0) return m.coefficient;
  if (!Number.isSafeInteger(m.coefficient)) return null;
  const symbols = m.symbols.join('*');
  return m.coefficient === 1 ? symbols : `${m.coefficient}*${symbols}`;
}

/** The product of dims: a number when all are numbers, a symbolic monomial when some are symbols, null when one is unknown. */
export function dimTimes(dims: readonly Dim[]): Dim {
  const out: Monomial = { coefficient: 1, symbols: [] };
  for (const d of dims) {
    const m = parse(d);
    if (m === null) return null;
    out.coefficient *= m.coefficient;
    out.symbols.push(...m.symbols);
  }
  out.symbols.sort();
  return format(out);
}

/** a / b when it is an exact monomial (b's symbols all in a, b's coefficient dividing a's), else null. */
export function dimDivide(a: Dim, b: Dim): Dim {
  const [n, m] = [parse(a), parse(b)];
  if (n === null || m === null || m.coefficient === 0 || n.coefficient % m.coefficient !== 0) return null;
  const symbols = [...n.symbols];
  for (const s of m.symbols) {
    const k = symbols.indexOf(s);
    if (k < 0) return null;
    symbols.splice(k, 1);
  }
  return format({ coefficient: n.coefficient / m.coefficient, symbols });
}
