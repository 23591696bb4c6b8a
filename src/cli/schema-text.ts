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

export const quoteName = q;
