/** SQL types of ksqlDB and their canonical text, as ksqlDB prints them in schemas and REST answers. */
export type PrimitiveKind =
  | 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'BYTES' | 'DATE' | 'TIME' | 'TIMESTAMP';

export type SqlType =
  | { kind: PrimitiveKind }
  | { kind: 'DECIMAL'; precision: number; scale: number }
  | { kind: 'ARRAY'; item: SqlType }
  | { kind: 'MAP'; key: SqlType; value: SqlType }
  | { kind: 'STRUCT'; fields: StructField[] }
  /** The type of a bare NULL literal before coercion. */
  | { kind: 'NULL' }
  /** A lambda argument whose type is only known when the function resolves it. */
  | { kind: 'LAMBDA'; arity: number };

export interface StructField { name: string; type: SqlType }

/** How many levels of ARRAY, MAP and STRUCT a type nests (0 for a primitive). */
export function typeDepth(t: SqlType): number {
  switch (t.kind) {
    case 'ARRAY': return 1 + typeDepth(t.item);
    case 'MAP': return 1 + Math.max(typeDepth(t.key), typeDepth(t.value));
    case 'STRUCT': return 1 + t.fields.reduce((m, f) => Math.max(m, typeDepth(f.type)), 0);
    default: return 0;
  }
}

const prim = (kind: PrimitiveKind): SqlType => ({ kind });
export const T = {
  BOOLEAN: prim('BOOLEAN'), INTEGER: prim('INTEGER'), BIGINT: prim('BIGINT'), DOUBLE: prim('DOUBLE'),
  STRING: prim('STRING'), BYTES: prim('BYTES'), DATE: prim('DATE'), TIME: prim('TIME'),
  TIMESTAMP: prim('TIMESTAMP'), NULL: { kind: 'NULL' } as SqlType,
  decimal: (precision: number, scale: number): SqlType => ({ kind: 'DECIMAL', precision, scale }),
  array: (item: SqlType): SqlType => ({ kind: 'ARRAY', item }),
  map: (key: SqlType, value: SqlType): SqlType => ({ kind: 'MAP', key, value }),
  struct: (fields: StructField[]): SqlType => ({ kind: 'STRUCT', fields }),
};

const IDENT_SAFE = /^[A-Z_][A-Z0-9_]*$/;

/** `INTEGER`, `DECIMAL(4, 2)`, `ARRAY<STRING>`, ``STRUCT<`F1` INTEGER>``: ksqlDB's SqlType#toString. */
export function typeToString(t: SqlType): string {
  switch (t.kind) {
    case 'DECIMAL': return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY': return `ARRAY<${typeToString(t.item)}>`;
    case 'MAP': return `MAP<${typeToString(t.key)}, ${typeToString(t.value)}>`;
    case 'STRUCT': return `STRUCT<${t.fields.map((f) => `\`${f.name}\` ${typeToString(f.type)}`).join(', ')}>`;
    case 'LAMBDA': return 'LAMBDA';
    default: return t.kind;
  }
}

/** Type text for SQL re-rendering (statement text): struct field names unquoted when safe. */
export function typeToSql(t: SqlType): string {
  switch (t.kind) {
    case 'ARRAY': return `ARRAY<${typeToSql(t.item)}>`;
    case 'MAP': return `MAP<${typeToSql(t.key)}, ${typeToSql(t.value)}>`;
    case 'STRUCT': return `STRUCT<${t.fields.map((f) => `${quoteIfNeeded(f.name)} ${typeToSql(f.type)}`).join(', ')}>`;
    default: return typeToString(t);
  }
}

export function quoteIfNeeded(name: string): string {
  return IDENT_SAFE.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

export function typesEqual(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'DECIMAL': return b.kind === 'DECIMAL' && a.precision === b.precision && a.scale === b.scale;
    case 'ARRAY': return b.kind === 'ARRAY' && typesEqual(a.item, b.item);
    case 'MAP': return b.kind === 'MAP' && typesEqual(a.key, b.key) && typesEqual(a.value, b.value);
    case 'STRUCT':
      return b.kind === 'STRUCT' && a.fields.length === b.fields.length &&
        a.fields.every((f, i) => f.name === b.fields[i]!.name && typesEqual(f.type, b.fields[i]!.type));
    default: return true;
  }
}

export const isNumeric = (t: SqlType): boolean =>
  t.kind === 'INTEGER' || t.kind === 'BIGINT' || t.kind === 'DOUBLE' || t.kind === 'DECIMAL';

const NUMERIC_RANK: Record<string, number> = { INTEGER: 0, BIGINT: 1, DECIMAL: 2, DOUBLE: 3 };

/** DECIMAL equivalent of an integer type (INT -> DECIMAL(10,0), BIGINT -> DECIMAL(19,0)). */
export function asDecimal(t: SqlType): { precision: number; scale: number } {
  if (t.kind === 'DECIMAL') return t;
  if (t.kind === 'INTEGER') return { precision: 10, scale: 0 };
  return { precision: 19, scale: 0 };
}

/** The wider of two numeric types, following ksqlDB's INT -> BIGINT -> DECIMAL -> DOUBLE order. */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  const ra = NUMERIC_RANK[a.kind]!, rb = NUMERIC_RANK[b.kind]!;
  if (a.kind === 'DECIMAL' && b.kind === 'DECIMAL') {
    const scale = Math.max(a.scale, b.scale);
    const ints = Math.max(a.precision - a.scale, b.precision - b.scale);
    return T.decimal(ints + scale, scale);
  }
  if (ra === 2 && rb < 2) return widerNumeric(a, { kind: 'DECIMAL', ...asDecimal(b) });
  if (rb === 2 && ra < 2) return widerNumeric({ kind: 'DECIMAL', ...asDecimal(a) }, b);
  return ra >= rb ? a : b;
}

/** Whether a value of type `from` may be used where `to` is expected without a CAST. */
export function canImplicitlyCast(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL') return true;
  if (typesEqual(from, to)) return true;
  if (isNumeric(from) && isNumeric(to)) {
    const rf = NUMERIC_RANK[from.kind]!, rt = NUMERIC_RANK[to.kind]!;
    if (rt === 3) return true;
    if (rt === 2) {
      if (rf > 2) return false;
      const d = asDecimal(from);
      return to.kind === 'DECIMAL' && to.precision - to.scale >= d.precision - d.scale && to.scale >= d.scale;
    }
    return rf <= rt;
  }
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') return canImplicitlyCast(from.item, to.item);
  if (from.kind === 'MAP' && to.kind === 'MAP') return canImplicitlyCast(from.key, to.key) && canImplicitlyCast(from.value, to.value);
  if (from.kind === 'STRUCT' && to.kind === 'STRUCT') {
    return from.fields.every((f) => {
      const g = to.fields.find((x) => x.name === f.name);
      return g !== undefined && canImplicitlyCast(f.type, g.type);
    });
  }
  return false;
}

/** Whether a type is, or holds, a MAP: such types cannot be keys (ksqlDB issue 6621). */
export function containsMap(t: SqlType): boolean {
  return t.kind === 'MAP' || (t.kind === 'ARRAY' && containsMap(t.item)) || (t.kind === 'STRUCT' && t.fields.some((f) => containsMap(f.type)));
}
