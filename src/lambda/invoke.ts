import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export type Handler = (event: unknown, context: LambdaContext, callback?: (error: unknown, result?: unknown) => void) => unknown;

export interface LambdaContext {
  functionName: string; functionVersion: string; invokedFunctionArn: string; memoryLimitInMB: string;
  awsRequestId: string; logGroupName: string; logStreamName: string; callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export class HandlerLoadError extends Error {}

/**
 * Loads `FILE[#export]` (a built .js/.mjs module; the export defaults to `handler`). `name` is the
 * function's name (file and export); `id` tells apart handlers of that name in other directories.
 */
export async function loadHandler(spec: string, environment = 0): Promise<{ handler: Handler; name: string; id: string }> {
  const i = spec.lastIndexOf('#');
  const file = i > 0 ? spec.slice(0, i) : spec, name = i > 0 ? spec.slice(i + 1) : 'handler';
  if (/\.tsx?$/.test(file)) throw new HandlerLoadError(`--handler: ${file} is TypeScript; build it first (the template's \`npm run build\` bundles dist/handler.mjs)`);
  let mod: Record<string, unknown>;
  // the Lambda runtime says how the environment started; Powertools counts a cold start only for
  // on-demand ones, so the first invocation here logs cold_start: true as it does in AWS
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';
  // the AWS SDK warns about the Node running it when that is older than 22; here that is the Node
  // running this CLI, not the function's Lambda runtime (the template deploys nodejs22.x), so the
  // warning is off unless the user set the variable
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // each further environment loads the file as a module of its own: an ES module by a URL of its
  // own; a CommonJS one (cached by its path) after its cache entry is dropped
  const path = resolve(file);
  const href = pathToFileURL(path).href + (environment > 0 ? `?environment=${environment}` : '');
  try {
    if (environment > 0 && isCommonJs(path)) {
      const req = createRequire(path);
      delete req.cache[path];
      mod = req(path) as Record<string, unknown>;
    } else mod = await import(href) as Record<string, unknown>;
  } catch (e) {
    throw new HandlerLoadError(`--handler: cannot load ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const fn = mod[name] ?? (mod.default as Record<string, unknown> | undefined)?.[name];
  if (typeof fn !== 'function') throw new HandlerLoadError(`--handler: ${file} has no exported function '${name}'`);
  const id = createHash('sha256').update(`${resolve(file)}#${name}`).digest('hex').slice(0, 8);
  return { handler: fn as Handler, name: `${file.replace(/.*\//, '').replace(/\.[^.]+$/, '')}-${name}`, id };
}

/** Whether Node loads the file as CommonJS: .cjs, or .js under a package.json without "type": "module". */
function isCommonJs(path: string): boolean {
  if (path.endsWith('.cjs')) return true;
  if (!path.endsWith('.js')) return false;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try { return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type !== 'module'; } catch { /* none here, or not JSON */ }
    if (dirname(dir) === dir) return true;
  }
}

/**
 * A function's execution environments, as Lambda keeps them: each runs one invocation at a time
 * and keeps its module state (a producer made at module scope, a logger's context) from one
 * invocation to the next; invocations at the same time run in environments of their own, a new one
 * (a cold start) when every one is busy. Each environment loads the handler's file as a module of
 * its own, so a bundled handler (the template's dist/handler.mjs) shares nothing with another;
 * modules the file imports unbundled are loaded once. An environment whose invocation timed out,
 * called process.exit or left an error unhandled is let go, as Lambda starts a fresh one (its Node.js
 * runtime exits after reporting an unhandled rejection, status 128, or exception, 129).
 */
export class Environments {
  private readonly idle: Handler[];
  private made = 1;
  constructor(private readonly spec: string, first: Handler, private readonly name: string, private readonly timeoutMs?: number) { this.idle = [first]; }

  async invoke(event: unknown): Promise<unknown> {
    const handler = this.idle.pop() ?? (await loadHandler(this.spec, this.made++)).handler;
    let reusable = true;
    try { return await invokeHandler(handler, event, this.name, this.timeoutMs); } catch (e) {
      if (e instanceof InvocationTimeout || (e instanceof Error && /^Runtime\.(ExitError|UnhandledPromiseRejection)/.test(e.message))) reusable = false;
      throw e;
    } finally { if (reusable) this.idle.push(handler); }
  }

  /** How many environments were started. */
  get started(): number { return this.made; }
}

/**
 * The function ran past its timeout, or returned a promise nothing will ever settle. Lambda stops a
 * timed-out environment; a handler in this process cannot be stopped, so `settled` tells when the
 * abandoned call has really finished (the runner waits for it before a retry overlaps it).
 */
export class InvocationTimeout extends Error {
  constructor(message: string, readonly settled?: Promise<void>) { super(message); }
}

/**
 * An error the handler left unhandled (a rejected promise nobody awaited, a throw in a timer): in
 * Lambda the runtime fails that invocation (Runtime.UnhandledPromiseRejection, Runtime.ExitError)
 * and its environment ends. Here every invocation in flight fails with it, as the error cannot be
 * told apart; one after they all finished is reported and the process goes on.
 */
const inFlight = new Set<(e: Error) => void>();
let straysReported: ((message: string) => void) | undefined;
let listening = false;
function watchStrays(): void {
  if (listening) return;
  listening = true;
  const fail = (kind: string) => (reason: unknown) => {
    // a handler's process.exit: its invocation has failed already, the others go on
    if (reason instanceof Error && exits.has(reason)) return;
    const e = new Error(`${kind}: ${reason instanceof Error ? reason.message : String(reason)}`);
    if (inFlight.size) for (const reject of [...inFlight]) reject(e);
    else (straysReported ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(e.message.split('\n')[0]!);
  };
  process.on('unhandledRejection', fail('Runtime.UnhandledPromiseRejection'));
  process.on('uncaughtException', fail('Runtime.ExitError'));
  // a handler that calls process.exit() ends its runtime in Lambda: that invocation fails with
  // Runtime.ExitError and is retried, in a fresh environment there (the same module here). Called
  // from a handler's code (its async context), the call unwinds instead of ending this process.
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    const reject = invocation.getStore();
    if (!reject) return exit(code);
    const e = new Error(`Runtime.ExitError: Runtime exited with error: exit status ${code ?? 0}`);
    exits.add(e);
    reject(e);
    throw e;
  }) as typeof process.exit;
}

/** The errors process.exit threw to unwind a handler (uncaught, they fail no other invocation). */
const exits = new WeakSet<Error>();

/** The invocation whose handler code is running: its reject, in the handler's async context. */
const invocation = new AsyncLocalStorage<(e: Error) => void>();

/** Where an unhandled error outside any invocation is reported (default: a warning on stderr). */
export function onStrayError(report: (message: string) => void): void { straysReported = report; }

/**
 * Calls a handler as Lambda does: async, or with a callback when it takes three arguments, with a
 * context whose clock runs down from `timeoutMs`. It fails as Lambda does when the time is up
 * ("Task timed out after N seconds"), and at once when the handler's promise is left with nothing
 * that could settle it (the event loop would otherwise just end).
 */
export async function invokeHandler(handler: Handler, event: unknown, functionName: string, timeoutMs = 900_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  // (the time taken is measured by the monotonic clock; the context's countdown is the wall clock's, as Lambda's)
  const started = performance.now();
  const context: LambdaContext = {
    functionName, functionVersion: '$LATEST', invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512', awsRequestId: randomUUID(), logGroupName: `/aws/lambda/${functionName}`, logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  let onIdle: (() => void) | undefined;
  let stray: ((e: Error) => void) | undefined;
  watchStrays();
  const result = new Promise<unknown>((resolve, reject) => {
    stray = reject;
    inFlight.add(reject);
    const callback = (error: unknown, value?: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(value));
    const r = invocation.run(reject, () => (handler.length >= 3 ? handler(event, context, callback) : handler(event, context)));
    if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(resolve, reject);
    else if (handler.length < 3) resolve(r);
  });
  const limits = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new InvocationTimeout(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, result.then(() => undefined, () => undefined))), timeoutMs);
    timer.unref();
    onIdle = () => reject(new InvocationTimeout('the handler never finished: its promise was left with nothing that could settle it'));
    process.once('beforeExit', onIdle);
  });
  try {
    let value: unknown, thrown: unknown, failed = false;
    try { value = await Promise.race([result, limits]); } catch (e) {
      if (e instanceof InvocationTimeout) throw e;
      failed = true; thrown = e;
    }
    // a handler that kept the CPU busy held off the timer until it returned or threw: past its time
    // it has timed out all the same, as Lambda would have stopped it (one that never yields cannot
    // be stopped in this process)
    if (performance.now() - started > timeoutMs) throw new InvocationTimeout(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, Promise.resolve());
    if (failed) throw thrown;
    return value;
  } finally {
    if (stray) inFlight.delete(stray);
    clearTimeout(timer);
    if (onIdle) process.off('beforeExit', onIdle);
  }
}
