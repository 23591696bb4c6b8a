import { Decimal } from '../util/decimal.js';
import { T, type SqlType } from '../sql/types.js';
import { BOOL, S, define, fixed } from './registry.js';

/** JSON functions over JSON text in STRING columns. */
export function registerJsonFunctions(): void {
  fixed('EXTRACTJSONFIELD', 'JSON', [S, S], S, (j: string, path: string) => extractJsonField(j, path));
  fixed('IS_JSON_STRING', 'JSON', [S], BOOL, (s: string | null) => { if (s === null) return false; try { JSON.parse(s); return true; } catch { return false; } }, true);
  define('TO_JSON_STRING', 'JSON', 'TO_JSON_STRING(any)', (args) => (args.length === 1 ? {
    returnType: T.STRING, argTypes: args,
    fn: ([v]) => (v === undefined ? null : toJsonString(v, args[0]!)),
  } : undefined));
}

function extractJsonField(json: string, path: string): string | null {
  let v: unknown;
  try { v = JSON.parse(json); } catch { return null; }
  const parts = path.replace(/^\$/, '').match(/\.[^.[\]]+|\[\d+\]|\["[^"]*"\]/g) ?? [];
  for (const part of parts) {
    if (v === null || typeof v !== 'object') return null;
    const key = part.startsWith('.') ? part.slice(1) : part.startsWith('["') ? part.slice(2, -2) : Number(part.slice(1, -1));
    v = (v as Record<string | number, unknown>)[key];
    if (v === undefined) return null;
  }
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
function toJsonString(v: unknown, t: SqlType): string {
  if (v === null) return 'null';
  switch (t.kind) {
    case 'DOUBLE': return JSON.stringify(v);
    case 'DECIMAL': return (v as Decimal).toString();
    case 'BYTES': return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    case 'ARRAY': return `[${(v as unknown[]).map((x) => toJsonString(x, t.item)).join(',')}]`;
    case 'MAP': return `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${JSON.stringify(String(k))}:${toJsonString(x, t.value)}`).join(',')}}`;
    case 'STRUCT': return `{${t.fields.map((f) => `${JSON.stringify(f.name)}:${toJsonString((v as Record<string, unknown>)[f.name] ?? null, f.type)}`).join(',')}}`;
    default: return JSON.stringify(v);
  }
}
