import { SqlTextError } from './split.js';

/** A variable's name, as DEFINE takes it (an identifier). */
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
export const VARIABLE_NAME = new RegExp(`^${NAME}$`);
/** DEFINE name = 'value'; (value with '' escapes). */
const DEFINE = new RegExp(`^DEFINE\\s+(${NAME})\\s*=\\s*'((?:[^']|'')*)'\\s*;$`, 'is');
const UNDEFINE = new RegExp(`^UNDEFINE\\s+(${NAME})\\s*;$`, 'is');

export function parseDefine(text: string): { name: string; value: string } | undefined {
  const m = DEFINE.exec(text.trim());
  return m ? { name: m[1]!, value: m[2]!.replace(/''/g, '\'') } : undefined;
}

export function parseUndefine(text: string): string | undefined {
  return UNDEFINE.exec(text.trim())?.[1];
}

/** A variable's reference in a statement, `${name}`; the name is the first group. */
export const VARIABLE_REFERENCE = new RegExp(`\\$\\{\\s*(${NAME})\\s*\\}`, 'g');

/** Variables by name, and those the configuration names but could not give a value (an unset `${env:NAME}`), each with why. */
export type Variables = ReadonlyMap<string, string> & { readonly unset?: ReadonlyMap<string, string> };

/**
 * Replaces `${name}` (names compared case-insensitively, as ksqlDB does) with its value. An
 * undefined variable is an error naming it and the line it is on. Only a name that is an identifier
 * makes a variable, as in ksqlDB's grammar: other `${...}` text, such as Kafka Connect's config
 * references in a connector's properties (`${file:/secrets.properties:password}`), stays as written.
 */
export function substitute(text: string, vars: Variables, firstLine: number): string {
  return text.replace(VARIABLE_REFERENCE, (m, name: string, offset: number) => {
    const same = (k: string) => k.toUpperCase() === name.trim().toUpperCase();
    const key = [...vars.keys()].find(same);
    if (key === undefined) {
      // lines end at \n, \r\n or a lone \r, as the splitter counts them
      const line = firstLine + (text.slice(0, offset).match(/\r\n|\r|\n/g)?.length ?? 0);
      const unset = [...(vars.unset ?? [])].find(([k]) => same(k))?.[1];
      if (unset !== undefined) throw new SqlTextError(`variable '${name}' has no value: ${unset}`, line);
      throw new SqlTextError(`variable '${name}' is not defined (use DEFINE, --define ${name}=... or variables: in the config)`, line);
    }
    return vars.get(key)!;
  });
}
