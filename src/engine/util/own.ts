/**
 * A constant table's entry for a key that may come from a user (a property, an import, a type
 * name): its own entries only, so `constructor` or `toString` finds nothing rather than Object's.
 */
export const own = <V>(table: Readonly<Record<string, V>>, key: string): V | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);
