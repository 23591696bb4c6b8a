import { setFlagsFromString } from 'node:v8';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { EvalError } from '../analysis/errors.js';

// A pattern V8's linear-time engine does not take (lookaround, backreferences, case-insensitive or
// Unicode-property matching, nested counted repeats) can backtrack exponentially ('(a+)+(?=b)',
// '(?i)(a+)+$'), and V8's fallback to that engine on excessive backtracking cannot help it: run on
// the server's one thread, one record would hold every client for minutes. Such patterns run here
// instead, in a worker thread, with a time budget: the engine waits for the answer (the call stays
// synchronous), and a match that runs past the budget fails its record, as an error the processing
// log records, and the worker is replaced.

// (the 'l' flag asks for the linear-time engine: a pattern it refuses is one to guard)
setFlagsFromString('--enable-experimental-regexp-engine');

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

const guarded = new WeakMap<RegExp, boolean>();
/** Whether V8's linear-time engine cannot take the pattern, as V8 itself tells: those are guarded. */
export function needsGuard(re: RegExp): boolean {
  let g = guarded.get(re);
  if (g === undefined) {
    try { new RegExp(re.source, `${re.flags.replace('g', '')}l`); g = false; } catch { g = true; }
    guarded.set(re, g);
  }
  return g;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
// started: the engine counts a job's time from here
Atomics.store(flag, 0, 2);
Atomics.notify(flag, 0);
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

let worker: { thread: Worker; port: MessagePort; flag: Int32Array } | undefined;

/** The worker, started (and waited for: starting is not a pattern's time) when there is none. */
function started(pattern: string): NonNullable<typeof worker> {
  if (worker) return worker;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  let thread: Worker;
  try { thread = new Worker(WORKER_SOURCE, { eval: true, workerData: { flag: flag.buffer, port: port2 }, transferList: [port2] }); } catch (e) {
    throw new EvalError(`the regular expression ${pattern} could not be run apart (${(e as Error).message})`);
  }
  // (it never keeps the process alive, and a thread that is ended does not report it)
  thread.unref();
  thread.on('error', () => undefined);
  if (Atomics.wait(flag, 0, 0, 10_000) === 'timed-out') {
    void thread.terminate();
    throw new EvalError(`the regular expression ${pattern} could not be run apart (its worker did not start)`);
  }
  worker = { thread, port: port1, flag };
  return worker;
}

/** Runs a guarded pattern's job in the worker, waiting at most its budget; past it, the record fails. */
export function runGuarded(job: RegexJob, pattern: string): unknown {
  const w = started(pattern);
  const struckKey = `${job.flags}/${job.source}`;
  const budget = struck.has(struckKey) ? STRUCK_BUDGET_MS : REGEX_BUDGET_MS;
  Atomics.store(w.flag, 0, 0);
  w.port.postMessage(job);
  const waited = Atomics.wait(w.flag, 0, 0, budget);
  if (waited === 'timed-out') {
    void w.thread.terminate();
    worker = undefined;
    struck.add(struckKey);
    throw new EvalError(`the regular expression ${pattern} ran longer than ${budget} ms on a value of ${job.text.length} characters (a pattern with lookaround or a backreference that backtracks without end)`);
  }
  const answer = receiveMessageOnPort(w.port)?.message as { result?: unknown; error?: string } | undefined;
  if (!answer) throw new EvalError(`the regular expression ${pattern} gave no answer`);
  if (answer.error !== undefined) throw new EvalError(answer.error);
  return answer.result;
}
