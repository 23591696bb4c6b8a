/** A schema's full name (com.acme.Out) as its namespace or package (com.acme; none without a dot) and its own name (Out). */
export function splitFullName(full: string): { space?: string; name: string } {
  const dot = full.lastIndexOf('.');
  return dot > 0 ? { space: full.slice(0, dot), name: full.slice(dot + 1) } : { name: full.slice(dot + 1) };
}
