import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { EvalError } from '../analysis/errors.js';

// A pattern with lookaround or a backreference can backtrack exponentially ('(a+)+(?=b)'), and V8's
// linear-time fallback does not take such patterns: run on the server's one thread, one record would
// hold every client for minutes. Such patterns run here instead, in a worker thread, with a time
// budget: the engine waits for the answer (the call stays synchronous), and a match that runs past
// the budget fails its record, as an error the processing log records, and the worker is replaced.

/** What a guarded pattern is asked: the first match, every match, or every match replaced. */
export type RegexJob =
  | { op: 'first'; source: string; flags: string; text: string }
  | { op: 'all'; source: string; flags: string; text: string }
  | { op: 'replace'; source: string; flags: string; text: string; replacement: string };

/** A match as the worker sends it back: its groups (null where one took no part) and where it starts. */
export interface SentMatch { groups: (string | null)[]; index: number }

/** How long a guarded match may run; once a pattern has run past it, its later matches get far less. */
export const REGEX_BUDGET_MS = 1000;
const STRUCK_BUDGET_MS = 100;
const struck = new Set<string>();

/** Whether V8's linear-time engine cannot take the pattern (lookaround, backreferences): those are guarded. */
export const needsGuard = (source: string): boolean => /\(\?<?[=!]|\\[1-9]|\\k</.test(source);

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
const asMatch = (m) => ({ groups: [...m].map((g) => g === undefined ? null : g), index: m.index });
port.on('message', (job) => {
  let out;
  try {
    const re = new RegExp(job.source, job.flags);
    if (job.op === 'first') { const m = re.exec(job.text); out = { result: m ? asMatch(m) : null }; }
    else if (job.op === 'all') out = { result: [...job.text.matchAll(re)].map(asMatch) };
    else out = { result: job.text.replace(re, job.replacement) };
  } catch (e) { out = { error: String(e && e.message) }; }
  port.postMessage(out);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let worker: { thread: Worker; port: MessagePort; flag: Int32Array; ready: boolean } | undefined;

function started(): NonNullable<typeof worker> {
  if (worker) return worker;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const thread = new Worker(WORKER_SOURCE, { eval: true, workerData: { flag: flag.buffer, port: port2 }, transferList: [port2] });
  // (it never keeps the process alive, and a thread that is ended does not report it)
  thread.unref();
  thread.on('error', () => undefined);
  worker = { thread, port: port1, flag, ready: false };
  return worker;
}

/** Runs a guarded pattern's job in the worker, waiting at most its budget; past it, the record fails. */
export function runGuarded(job: RegexJob, pattern: string): unknown {
  const w = started();
  const budget = struck.has(job.source) ? STRUCK_BUDGET_MS : REGEX_BUDGET_MS;
  Atomics.store(w.flag, 0, 0);
  w.port.postMessage(job);
  // (the first job also waits for the worker to start: that is not the pattern's time)
  const waited = Atomics.wait(w.flag, 0, 0, w.ready ? budget : budget + 2000);
  if (waited === 'timed-out') {
    void w.thread.terminate();
    worker = undefined;
    struck.add(job.source);
    throw new EvalError(`the regular expression ${pattern} ran longer than ${budget} ms on a value of ${job.text.length} characters (a pattern with lookaround or a backreference that backtracks without end)`);
  }
  w.ready = true;
  const answer = receiveMessageOnPort(w.port)?.message as { result?: unknown; error?: string } | undefined;
  if (!answer) throw new EvalError(`the regular expression ${pattern} gave no answer`);
  if (answer.error !== undefined) throw new EvalError(answer.error);
  return answer.result;
}
