/**
 * Java's String.compareTo: UTF-16 code units in order, as ksqlDB sorts names (sources, topics,
 * functions, properties). Not localeCompare, whose order depends on the machine's locale and puts
 * AS_MAP before ASIN.
 */
export const javaCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
