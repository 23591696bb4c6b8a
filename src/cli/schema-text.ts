import type { FieldSchema } from '../client/entities.js';

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** A field schema as ksqlDB writes the type: INTEGER, DECIMAL(4, 2), ARRAY<STRING>, STRUCT<`A` INTEGER>. */
export function typeText(s: FieldSchema): string {
  switch (s.type) {
    case 'ARRAY': return `ARRAY<${typeText(s.memberSchema!)}>`;
    case 'MAP': return `MAP<STRING, ${typeText(s.memberSchema!)}>`;
    case 'STRUCT': return `STRUCT<${(s.fields ?? []).map((f) => `${q(f.name)} ${typeText(f.schema)}`).join(', ')}>`;
    case 'DECIMAL': return `DECIMAL(${String(s.parameters?.precision)}, ${String(s.parameters?.scale)})`;
    default: return s.type;
  }
}

/** A name exactly as the server reports it, quoted for SQL. */
export const quoteName = q;

/** A source's name as a statement spells it: bare when ksqlDB reads it back as itself (upper case), else quoted. */
export const sqlName = (name: string): string => (/^[A-Z_][A-Z0-9_]*$/.test(name) ? name : q(name));
