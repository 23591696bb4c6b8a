import type { Expr } from '../sql/ast.js';

/** The direct sub-expressions of `e`, found generically so that new node kinds are not missed. */
export function children(e: Expr): Expr[] {
  const out: Expr[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isExpr(v)) out.push(v);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(visit);
  };
  for (const [k, v] of Object.entries(e)) if (k !== 'pos' && k !== 'type') visit(v);
  return out;
}

function isExpr(v: unknown): v is Expr {
  return typeof v === 'object' && v !== null && typeof (v as { t?: unknown }).t === 'string';
}

/** The column references in `e`, in source order; `skip` prunes sub-trees (e.g. aggregate calls). */
export function columnRefs(e: Expr, skip: (e: Expr) => boolean = () => false): Extract<Expr, { t: 'col' }>[] {
  if (skip(e)) return [];
  if (e.t === 'col') return [e];
  return children(e).flatMap((c) => columnRefs(c, skip));
}
