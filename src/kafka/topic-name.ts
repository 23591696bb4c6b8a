/** Kafka's rule for topic names, said as the errors that refuse one say it. */
export const TOPIC_NAME_RULE = "letters, digits, '.', '_' and '-', at most 249";

/** Whether Kafka allows `name` for a topic: ASCII letters, digits, '.', '_' and '-', 1 to 249 of them, not '.' or '..'. */
export function isTopicName(name: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..';
}
