/** One statement of a migration file: its text (with the final `;`) and the 1-based line it starts on. */
export interface SqlStatement { text: string; line: number }

export class SqlTextError extends Error {
  constructor(message: string, readonly line: number) { super(message); }
}

/**
 * Splits SQL text into statements at `;`, respecting 'strings' (with '' escapes), `backticks`,
 * "quoted identifiers", -- line comments and block comments. Comments are kept inside a
 * statement's text but a statement made only of comments is dropped. Text after the last `;` that
 * is not a comment is an error (ksqlDB needs every statement terminated).
 */
export function splitStatements(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let i = 0, line = 1;
  let start = 0, startLine = 1, hasCode = false, codeLine = 1;
  const n = sql.length;
  // a line ends at \n, \r\n or a lone \r (old Mac files), as ksqlDB's lexer ends a -- comment at either
  const lineBreak = (k: number) => sql[k] === '\n' || (sql[k] === '\r' && sql[k + 1] !== '\n');
  while (i < n) {
    const c = sql[i]!;
    if (lineBreak(i)) { line++; i++; continue; }
    if (c === '-' && sql[i + 1] === '-') { while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++; continue; }
    if (c === '/' && sql[i + 1] === '*') {
      const open = line;
      i += 2;
      while (i < n && !(sql[i] === '*' && sql[i + 1] === '/')) { if (lineBreak(i)) line++; i++; }
      if (i >= n) throw new SqlTextError('unterminated /* comment', open);
      i += 2; continue;
    }
    if (c === '\'' || c === '`' || c === '"') {
      const open = line;
      if (!hasCode) { hasCode = true; codeLine = line; }
      i++;
      for (;;) {
        if (i >= n) throw new SqlTextError(`unterminated ${c === '\'' ? 'string literal' : 'quoted identifier'}`, open);
        const d = sql[i]!;
        if (lineBreak(i)) line++;
        if (d === c) { if (sql[i + 1] === c) { i += 2; continue; } i++; break; }
        i++;
      }
      continue;
    }
    if (c === ';') {
      if (hasCode) out.push({ text: sql.slice(start, i + 1).trim(), line: codeLine });
      i++; start = i; startLine = line; hasCode = false;
      continue;
    }
    if (!/\s/.test(c) && !hasCode) { hasCode = true; codeLine = line; }
    i++;
  }
  if (hasCode) throw new SqlTextError(`statement is missing its terminating ';'`, codeLine);
  void startLine;
  return out.map((s) => ({ text: stripLeadingComments(s.text), line: s.line }));
}

/**
 * A statement without its comments (as Confluent's tool sends it), line breaks kept so lines still
 * count as in the file: a `${name}` in a comment is not a variable. Quotes are respected.
 */
export function stripComments(text: string): string {
  let out = '', i = 0;
  // blanks outside literals wait here: a line break drops them (they ended a line), anything else
  // writes them first, so no written text is ever looked at again
  let blanks = '';
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') { while (i < n && text[i] !== '\n' && text[i] !== '\r') i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const body = text.slice(i, end < 0 ? n : end + 2);
      const breaks = body.replace(/[^\r\n]/g, '');
      if (breaks.length) { blanks = ''; out += breaks; } else blanks += ' ';
      i += body.length;
      continue;
    }
    if (c === ' ' || c === '\t') { blanks += c; i++; continue; }
    if (c === '\n' || c === '\r') { blanks = ''; out += c; i++; continue; }
    out += blanks;
    blanks = '';
    if (c === '\'' || c === '`' || c === '"') {
      let j = i + 1;
      for (; j < n; j++) { if (text[j] === c) { if (text[j + 1] === c) { j++; continue; } break; } }
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    out += c; i++;
  }
  return out;
}

/** Drops comments before the first token, so a statement's text starts with its keyword. */
function stripLeadingComments(text: string): string {
  let t = text;
  for (;;) {
    const before = t;
    t = t.replace(/^\s+/, '');
    if (t.startsWith('--')) { const end = t.search(/[\r\n]/); t = t.slice(end < 0 ? t.length : end + 1); }
    else if (t.startsWith('/*')) t = t.slice(t.indexOf('*/') + 2);
    if (t === before) return t;
  }
}

/** The first keyword(s) of a statement, upper-cased: SELECT, CREATE STREAM, INSERT INTO ... */
export function statementKind(text: string): string {
  const words = text.replace(/[`"'(].*$/s, '').trim().split(/\s+/).map((w) => w.toUpperCase());
  return words.slice(0, 4).join(' ');
}

/** A SET 'name'='value' (value unescaped) or UNSET 'name' (value undefined) statement, or undefined. */
export function propertySetting(text: string): { name: string; value?: string } | undefined {
  const plain = stripComments(text).trim();
  const set = /^SET\s+'([^']+)'\s*=\s*'((?:[^']|'')*)'\s*;?$/i.exec(plain);
  if (set) return { name: set[1]!, value: set[2]!.replace(/''/g, "'") };
  const unset = /^UNSET\s+'([^']+)'\s*;?$/i.exec(plain);
  return unset ? { name: unset[1]! } : undefined;
}

/** A DROP STREAM|TABLE statement: the kind and the name it drops (an unquoted name upper-cased, as the server reads it), or undefined. */
export function droppedSource(text: string): { kind: 'STREAM' | 'TABLE'; name: string } | undefined {
  const m = /^\s*DROP\s+(STREAM|TABLE)\s+(?:IF\s+EXISTS\s+)?(`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_@]*)/i.exec(text);
  if (!m) return undefined;
  const n = m[2]!;
  return { kind: m[1]!.toUpperCase() as 'STREAM' | 'TABLE', name: /^[`"]/.test(n) ? n.slice(1, -1) : n.toUpperCase() };
}

/** An ASSERT [NOT EXISTS] TOPIC|SCHEMA statement: what it asserts, or undefined for any other statement. */
export function assertionOf(text: string): { what: 'TOPIC' | 'SCHEMA'; not: boolean } | undefined {
  const m = /^ASSERT\s+(NOT\s+EXISTS\s+)?(TOPIC|SCHEMA)\b/i.exec(stripComments(text).trim());
  return m ? { what: m[2]!.toUpperCase() as 'TOPIC' | 'SCHEMA', not: m[1] !== undefined } : undefined;
}

const UNIT_MS: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };

/**
 * How long an ASSERT TOPIC / ASSERT SCHEMA statement may hold its request on the server: its
 * TIMEOUT, else `fallbackMs` (the request's ksql.assert.*.default.timeout.ms, 1 s by default); 0 for
 * other statements.
 */
export function assertWaitMs(text: string, fallbackMs: { topic: number; schema: number } = { topic: 1000, schema: 1000 }): number {
  const what = assertionOf(text)?.what;
  if (!what) return 0;
  const plain = stripComments(text).trim();
  const m = /\bTIMEOUT\s+(\d+)\s+(MILLISECOND|SECOND|MINUTE|HOUR|DAY)S?\s*;?\s*$/i.exec(plain);
  return m ? Number(m[1]) * UNIT_MS[m[2]!.toUpperCase()]! : what === 'TOPIC' ? fallbackMs.topic : fallbackMs.schema;
}

/**
 * How long a request of these statements may be held by its ASSERTs: their TIMEOUTs, and for those
 * without one the default timeout in force there (the request's properties, then each SET or UNSET
 * of ksql.assert.topic|schema.default.timeout.ms before it).
 */
export function assertWaitsMs(texts: string[], properties: Record<string, unknown> = {}): number {
  const initial = (name: string) => { const n = Number(properties[`ksql.assert.${name}.default.timeout.ms`] ?? 1000); return Number.isFinite(n) ? n : 1000; };
  const fallback = { topic: initial('topic'), schema: initial('schema') };
  let total = 0;
  for (const text of texts) {
    const setting = propertySetting(text);
    const which = setting && /^ksql\.assert\.(topic|schema)\.default\.timeout\.ms$/i.exec(setting.name)?.[1]?.toLowerCase() as 'topic' | 'schema' | undefined;
    if (setting && which) {
      if (setting.value === undefined) fallback[which] = initial(which);
      else if (/^\d+$/.test(setting.value)) fallback[which] = Number(setting.value);
      continue;
    }
    if (setting) continue;
    total += assertWaitMs(text, fallback);
  }
  return total;
}

const REFUSED: [RegExp, string][] = [
  [/^SELECT\b/, 'SELECT queries return rows, not changes: run them with ksql-migrate or the ksqlDB CLI, not in a migration'],
  [/^(DESCRIBE|EXPLAIN|SHOW|LIST)\b/, 'it only reads metadata, so it has no place in a migration'],
  [/^PRINT\b/, 'PRINT streams a topic and never ends, so it cannot run in a migration'],
  [/^RUN\s+SCRIPT\b/, 'RUN SCRIPT is a CLI command, not a statement the server runs: put the script\'s statements in the migration'],
];

/** Why a statement may not appear in a migration (as Confluent's tool refuses it), or undefined. */
export function refusedInMigration(text: string): string | undefined {
  const head = text.trim().toUpperCase();
  for (const [re, why] of REFUSED) if (re.test(head)) return `${head.split(/\s+/)[0]} is not allowed in a migration: ${why}`;
  return undefined;
}
