/**
 * A function made from JavaScript source: `body` runs once, with the values of `scope` by their
 * names, and returns it. Its code is named `ksql-generated/<name>`, so a CPU profile tells the
 * generated writers and expressions apart. (The engine writes such code for row shapes and
 * expressions; names and texts in it are written as JSON literals or byte numbers, never as code.)
 */
export function generatedFunction<F>(name: string, scope: Record<string, unknown>, body: string): F {
  return new Function(...Object.keys(scope), `${body}\n//# sourceURL=ksql-generated/${name}`)(...Object.values(scope)) as F;
}
