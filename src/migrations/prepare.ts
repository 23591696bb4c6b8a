import type { MigrationFile } from './files.js';
import { parseDefine, parseUndefine, substitute } from '../sql/variables.js';
import { refusedInMigration, splitStatements, SqlTextError } from '../sql/split.js';

export interface PreparedStatement { text: string; line: number }

export class MigrationFileError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) { super(`${file}:${line}: ${message}`); }
}

/**
 * Turns a migration file into the statements to send: split, DEFINE/UNDEFINE applied client-side
 * (they last for this file, as in Confluent's tool), ${vars} substituted, and statements a migration
 * may not hold refused with the reason.
 */
export function prepareMigration(file: Pick<MigrationFile, 'fileName' | 'content'>, defines: ReadonlyMap<string, string>): PreparedStatement[] {
  const vars = new Map(defines);
  const out: PreparedStatement[] = [];
  try {
    for (const s of splitStatements(file.content)) {
      const def = parseDefine(s.text);
      if (def) { vars.set(def.name, substitute(def.value, vars, s.line)); continue; }
      const undef = parseUndefine(s.text);
      if (undef) { for (const k of vars.keys()) if (k.toUpperCase() === undef.toUpperCase()) vars.delete(k); continue; }
      const refused = refusedInMigration(s.text);
      if (refused) throw new SqlTextError(refused, s.line);
      out.push({ text: substitute(s.text, vars, s.line), line: s.line });
    }
  } catch (e) {
    if (e instanceof SqlTextError) throw new MigrationFileError(file.fileName, e.line, e.message);
    throw e;
  }
  return out;
}
