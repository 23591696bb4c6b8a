import type { Compiled, Row } from './compile.js';
import { generatedFunction } from '../util/generated.js';

// A compiled expression is a tree of functions, each calling its operands' functions: every call
// goes through a site that sees many functions, which V8 cannot inline. The common nodes (columns,
// literals, IS NULL, AND, OR, NOT, comparisons and arithmetic of INT and DOUBLE, CASE, casts to
// DOUBLE) can also write themselves as JavaScript (Compiled.gen); a root expression is then one
// generated function, its other nodes called as they are. The code is the same computation as the
// functions, operand for operand and in the same order; a property test holds the two to that.

/** Writes an expression's JavaScript: its operands' code, and names for the values it uses. */
export class CodeGen {
  private readonly refs: unknown[] = [];
  private temps = 0;
  /** A name for a value the code uses as it is (a function, an error to throw, a constant). */
  ref(v: unknown): string {
    this.refs.push(v);
    return `$${this.refs.length - 1}`;
  }
  /** A fresh local variable of the generated function. */
  temp(): string { return `t${this.temps++}`; }
  /** A literal value: written into the code where it is a plain number, string, boolean or null. */
  lit(v: unknown): string {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) return `(${String(v)})`;
    return this.ref(v);
  }
  /** An operand's code: written out where it writes itself, else a call of its function. */
  sub(c: Compiled): string { return c.gen ? c.gen(this) : `${this.ref(c.fn)}(row)`; }

  /**
   * The function of `row` whose body is `statements` (written with this generator: its names and
   * locals); undefined where the code is too deeply nested for the JavaScript parser (a thousand
   * levels and more), which overflows its stack.
   */
  function(statements: string): ((row: Row) => unknown) | undefined {
    const locals = Array.from({ length: this.temps }, (_x, i) => `t${i}`);
    const scope = Object.fromEntries(this.refs.map((r, i) => [`$${i}`, r]));
    try {
      return generatedFunction('expression', scope, `return (row) => { ${locals.length ? `let ${locals.join(', ')};` : ''} ${statements} };`);
    } catch (e) {
      if (e instanceof RangeError) return undefined;
      throw e;
    }
  }
}

/** The function of an expression: generated where its root writes itself, else its own (also where the code is too deep to parse). */
export function generated(c: Compiled): (row: Row) => unknown {
  if (!c.gen) return c.fn;
  const g = new CodeGen();
  return g.function(`return ${g.sub(c)};`) ?? c.fn;
}
