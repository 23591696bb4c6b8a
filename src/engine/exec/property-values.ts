import { own } from '../util/own.js';

/**
 * Values a property may take, where Kafka's config checks them: a bad one is refused with Kafka's
 * ConfigException wording, instead of being kept and read later as something else.
 */
const CHOICES: Record<string, readonly string[]> = {
  'auto.offset.reset': ['latest', 'earliest', 'none'],
};

/** The problem with setting `name` to `value`, or undefined when it may be set. */
export function propertyValueProblem(name: string, value: unknown): string | undefined {
  const key = name.replace(/^ksql\.streams\./, '');
  const choices = own(CHOICES, key);
  if (!choices || choices.includes(String(value))) return undefined;
  return `Invalid value ${String(value)} for configuration ${key}: String must be one of: ${choices.join(', ')}`;
}
