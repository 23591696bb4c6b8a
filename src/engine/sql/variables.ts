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

/**
 * `substituteVariables`, unless `ksql.variable.substitution.enable` is false in the request's (or
 * SET's) properties or, failing those, the server's: then `${x}` stays as written.
 */
export function substituteIfEnabled(text: string, vars: Map<string, string>, properties: Record<string, unknown>, defaults: Record<string, unknown> = {}): string {
  const flag = properties['ksql.variable.substitution.enable'] ?? defaults['ksql.variable.substitution.enable'];
  return String(flag ?? 'true').trim().toLowerCase() === 'false' ? text : substituteVariables(text, vars);
}
