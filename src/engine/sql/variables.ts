import { KsqlStatementError } from '../analysis/errors.js';

/**
 * Replaces `${name}` with DEFINE'd or session variables before parsing, as ksqlDB does. Inside a
 * string literal the raw value is inserted; elsewhere too (it may form a literal or identifier).
 * Undefined references stay as they are, so the parser reports them.
 */
export function substituteVariables(text: string, vars: Map<string, string>): string {
  if (!text.includes('${')) return text;
  // variables defined from variables grow with each definition (DEFINE b = '${a}${a}' doubles): a
  // statement does not grow past 1 MiB (or its own length), rather than until the process runs out of memory
  let length = text.length;
  const limit = Math.max(MAX_SUBSTITUTED, text.length);
  return text.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
    // (the last one given, of names that differ only in case: session variables may hold both)
    const key = [...vars.keys()].reverse().find((k) => k.toUpperCase() === name.toUpperCase());
    if (key === undefined) return m;
    const value = vars.get(key)!;
    length += value.length - m.length;
    if (length > limit) throw new KsqlStatementError(`Variable substitution makes the statement longer than ${limit} characters (at \${${name}}): variables defined from variables grow with each definition`);
    return value;
  });
}

/** DEFINE: names match without regard to case, so one in another case replaces the variable. */
export function defineVariable(vars: Map<string, string>, name: string, value: string): void {
  undefineVariable(vars, name);
  vars.set(name, value);
}

/** UNDEFINE: removes the variable of that name in any case; false when there was none. */
export function undefineVariable(vars: Map<string, string>, name: string): boolean {
  let had = false;
  for (const k of [...vars.keys()]) if (k.toUpperCase() === name.toUpperCase()) { vars.delete(k); had = true; }
  return had;
}

/** The longest statement variable substitution may make of a shorter one (1 MiB). */
export const MAX_SUBSTITUTED = 1024 * 1024;

/**
 * `substituteVariables`, unless `ksql.variable.substitution.enable` is false in the request's (or
 * SET's) properties or, failing those, the server's: then `${x}` stays as written.
 */
export function substituteIfEnabled(text: string, vars: Map<string, string>, properties: Record<string, unknown>, defaults: Record<string, unknown> = {}): string {
  const flag = properties['ksql.variable.substitution.enable'] ?? defaults['ksql.variable.substitution.enable'];
  return String(flag ?? 'true').trim().toLowerCase() === 'false' ? text : substituteVariables(text, vars);
}
