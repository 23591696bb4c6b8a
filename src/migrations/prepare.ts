import type { MigrationFile } from './files.js';
import { parseDefine, parseUndefine, substitute, VARIABLE_REFERENCE, type Variables } from '../sql/variables.js';
import { droppedSource, propertySetting, refusedInMigration, splitStatements, SqlTextError, stripComments } from '../sql/split.js';

export interface PreparedStatement { text: string; line: number }

export class MigrationFileError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) { super(`${file}:${line}: ${message}`); }
}

/** ksqlDB's switch for variable substitution (default true). */
export const SUBSTITUTION_PROPERTY = 'ksql.variable.substitution.enable';

/** Whether properties (the configuration's, sent with every request) leave variable substitution on, as ksqlDB reads the boolean. */
export const substitutionEnabled = (properties: Record<string, unknown>): boolean => String(properties[SUBSTITUTION_PROPERTY] ?? 'true').toLowerCase() !== 'false';

/**
 * Turns a migration file into the statements to send: split, DEFINE/UNDEFINE applied client-side
 * (they last for this file, as in Confluent's tool), ${vars} substituted, and statements a migration
 * may not hold refused with the reason. `substitution`: whether substitution is on at the file's
 * start (the configuration's `ksql.variable.substitution.enable`); a SET of that property in the
 * file turns it off or on for the statements after it, an UNSET back to the start's.
 */
export function prepareMigration(file: Pick<MigrationFile, 'fileName' | 'content'>, defines: Variables, onDefine?: (name: string, value: string) => void, substitution = true): PreparedStatement[] {
  const vars = Object.assign(new Map(defines), { unset: defines.unset });
  const out: PreparedStatement[] = [];
  let enabled = substitution;
  const substituted = (text: string, line: number) => (enabled ? substitute(text, vars, line) : text);
  /**
   * A statement's text with its variables: still one whole statement, else the values broke its
   * quoting (a ' in a value that goes between quotes), which the server would blame on a statement
   * after it; said here with the variables' names.
   */
  const statement = (text: string, line: number): string => {
    const out = substituted(text, line);
    if (out === text) return out;
    let whole: boolean;
    try { whole = splitStatements(out).length === 1; } catch { whole = false; }
    if (whole) return out;
    const names = [...new Set([...text.matchAll(VARIABLE_REFERENCE)].map((m) => m[1]!))];
    throw new SqlTextError(`the value of ${names.map((n) => `'${n}'`).join(', ')} breaks the statement's quoting: a ' in a value that goes inside quotes must be written '' (a " or \` in a quoted name, doubled too)`, line);
  };
  try {
    for (const s of splitStatements(file.content)) {
      const text = stripComments(s.text);
      const forget = (name: string) => { for (const k of vars.keys()) if (k.toUpperCase() === name.toUpperCase()) vars.delete(k); };
      const def = parseDefine(text);
      // names compare ignoring case: the file's DEFINE replaces a --define or config variable of any case
      if (def) { const value = substituted(def.value, s.line); forget(def.name); vars.set(def.name, value); onDefine?.(def.name, value); continue; }
      const undef = parseUndefine(text);
      if (undef) { forget(undef); continue; }
      const refused = refusedInMigration(text);
      if (refused) throw new SqlTextError(refused, s.line);
      out.push({ text: statement(text, s.line), line: s.line });
      const setting = propertySetting(text);
      if (setting?.name.toLowerCase() === SUBSTITUTION_PROPERTY) enabled = setting.value === undefined ? substitution : setting.value.toLowerCase() !== 'false';
    }
  } catch (e) {
    if (e instanceof SqlTextError) throw new MigrationFileError(file.fileName, e.line, e.message);
    throw e;
  }
  return out;
}

/**
 * What `up` would refuse in a file before sending it, apart from variables (a --define may supply
 * them when it runs): a statement without its `;`, an unterminated quote or comment, a statement a
 * migration may not hold. Undefined when there is nothing.
 */
export function fileProblem(file: Pick<MigrationFile, 'fileName' | 'content'>): string | undefined {
  try {
    for (const s of splitStatements(file.content)) {
      const refused = refusedInMigration(stripComments(s.text));
      if (refused) return `${file.fileName}:${s.line}: ${refused}`;
    }
  } catch (e) {
    if (e instanceof SqlTextError) return `${file.fileName}:${e.line}: ${e.message}`;
    throw e;
  }
  return undefined;
}

/**
 * What a file's statements do to the history beside it that its author may not mean: TERMINATE ALL
 * also stops the query that keeps the history table, which Confluent's ksql-migrations reads the
 * history from (ksql-migrate reads the stream, and `metadata init` makes the table again); a DROP of
 * the history table, or of the stream every run records itself in, takes that history away.
 */
export function historyNotes(fileName: string, statements: readonly PreparedStatement[], metadata: { stream: string; table: string }): string[] {
  const notes: string[] = [];
  for (const st of statements) {
    const at = `${fileName}:${st.line}:`;
    if (/^\s*TERMINATE\s+ALL\s*;?\s*$/i.test(st.text)) {
      notes.push(`${at} TERMINATE ALL also stops the query that keeps the history table ${metadata.table}, which Confluent's ksql-migrations reads the history from; run 'ksql-migrate metadata init' after it to make the table again`);
      continue;
    }
    // (an unquoted name is upper-cased, as the server reads it and as the history's names are written)
    const { kind, name } = droppedSource(st.text) ?? {};
    if (kind === 'TABLE' && name === metadata.table.toUpperCase()) {
      notes.push(`${at} DROP TABLE ${name} drops the history table, which Confluent's ksql-migrations reads the history from; run 'ksql-migrate metadata init' after it to make the table again`);
    } else if (kind === 'STREAM' && name === metadata.stream.toUpperCase()) {
      notes.push(`${at} DROP STREAM ${name} drops the history stream, where every run records the versions it applies: the history goes with it`);
    }
  }
  return notes;
}
