import type { Kafka } from 'kafkajs';

/** Reads a topic from the beginning in a group of its own until `n` records came (or `timeoutMs` passed). */
export async function readTopic(kafka: Kafka, topic: string, n: number, timeoutMs = 15_000): Promise<{ key: string | null; value: Buffer }[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  const got: { key: string | null; value: Buffer }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { got.push({ key: message.key?.toString() ?? null, value: message.value! }); } });
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await consumer.disconnect();
  return got;
}
