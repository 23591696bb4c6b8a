/**
 * A function of short text, remembered for up to `limit` texts at a time (then all forgotten at
 * once): keys repeat (user ids, symbols, group keys), and giving the same result object again saves
 * making it, and the hash a Map computes of a new string. Text longer than `maxLength` is not kept.
 */
export function rememberShort<T>(make: (text: string) => T, limit = 4096, maxLength = 64): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    if (text.length > maxLength) return make(text);
    let v = known.get(text);
    if (v === undefined) {
      if (known.size >= limit) known.clear();
      v = make(text);
      known.set(text, v);
    }
    return v;
  };
}
