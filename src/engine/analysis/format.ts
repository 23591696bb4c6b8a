import type { Expr } from '../sql/ast.js';
import { quoteIfNeeded, typeToSql } from '../sql/types.js';
import { Decimal } from '../util/decimal.js';

/** Expression text as ksqlDB's ExpressionFormatter writes it (messages, re-rendered statements). */
export function formatExpr(e: Expr): string {
  switch (e.t) {
    case 'lit':
      if (e.value === null) return 'null';
      if (typeof e.value === 'string') return `'${e.value.replace(/'/g, "''")}'`;
      if (e.value instanceof Decimal) return e.value.toString();
      if (typeof e.value === 'boolean') return e.value ? 'true' : 'false';
      return e.text ?? String(e.value);
    case 'col': return e.source ? `${quoteIfNeeded(e.source)}.${quoteIfNeeded(e.name)}` : quoteIfNeeded(e.name);
    case 'deref': return `${formatExpr(e.base)}->${quoteIfNeeded(e.field)}`;
    case 'subscript': return `${formatExpr(e.base)}[${formatExpr(e.index)}]`;
    case 'call': return `${e.name}(${e.star ? '*' : e.args.map(formatExpr).join(', ')})`;
    case 'arith': return `(${formatExpr(e.l)} ${e.op} ${formatExpr(e.r)})`;
    case 'neg': return `-${formatExpr(e.e)}`;
    case 'cmp': return `(${formatExpr(e.l)} ${e.op} ${formatExpr(e.r)})`;
    case 'and': return `(${formatExpr(e.l)} AND ${formatExpr(e.r)})`;
    case 'or': return `(${formatExpr(e.l)} OR ${formatExpr(e.r)})`;
    case 'not': return `(NOT ${formatExpr(e.e)})`;
    case 'isnull': return `(${formatExpr(e.e)} IS ${e.not ? 'NOT ' : ''}NULL)`;
    case 'distinct': return `(${formatExpr(e.l)} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${formatExpr(e.r)})`;
    case 'between': return `(${formatExpr(e.e)} ${e.not ? 'NOT ' : ''}BETWEEN ${formatExpr(e.lo)} AND ${formatExpr(e.hi)})`;
    case 'in': return `(${formatExpr(e.e)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(formatExpr).join(', ')}))`;
    case 'like': return `(${formatExpr(e.e)} ${e.not ? 'NOT ' : ''}LIKE ${formatExpr(e.pattern)}${e.escape ? ` ESCAPE '${e.escape}'` : ''})`;
    case 'case': {
      const whens = e.whens.map((w) => `WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`).join(' ');
      return `(CASE${e.operand ? ` ${formatExpr(e.operand)}` : ''} ${whens}${e.else ? ` ELSE ${formatExpr(e.else)}` : ''} END)`;
    }
    case 'cast': return `CAST(${formatExpr(e.e)} AS ${typeToSql(e.type)})`;
    case 'array': return `ARRAY[${e.items.map(formatExpr).join(', ')}]`;
    case 'map': return `MAP(${e.entries.map((x) => `${formatExpr(x.key)}:=${formatExpr(x.value)}`).join(', ')})`;
    case 'struct': return `STRUCT(${e.fields.map((f) => `${quoteIfNeeded(f.name)}:=${formatExpr(f.value)}`).join(', ')})`;
    case 'lambda': return `(${e.params.join(', ')}) => ${formatExpr(e.body)}`;
    case 'timeunit': return e.unit;
  }
}

/** Structural equality of expressions, ignoring positions (GROUP BY matching). */
export function exprEquals(a: Expr, b: Expr): boolean {
  return formatExpr(a) === formatExpr(b);
}
