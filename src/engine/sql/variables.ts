/**
 * Replaces `${name}` with DEFINE'd or session variables before parsing, as ksqlDB does. Inside a
 * string literal the raw value is inserted; elsewhere too (it may form a literal or identifier).
 * Undefined references stay as they are, so the parser reports them.
 */
export function substituteVariables(text: string, vars: Map<string, string>): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
    const key = [...vars.keys()].find((k) => k.toUpperCase() === name.toUpperCase());
    return key === undefined ? m : vars.get(key)!;
  });
}
