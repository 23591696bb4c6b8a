import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Handler = (event: unknown, context: LambdaContext) => unknown;

export interface LambdaContext {
  functionName: string; functionVersion: string; invokedFunctionArn: string; memoryLimitInMB: string;
  awsRequestId: string; logGroupName: string; logStreamName: string; callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export class HandlerLoadError extends Error {}

/** Loads `FILE[#export]` (a built .js/.mjs module; the export defaults to `handler`). */
export async function loadHandler(spec: string): Promise<{ handler: Handler; name: string }> {
  const i = spec.lastIndexOf('#');
  const file = i > 0 ? spec.slice(0, i) : spec, name = i > 0 ? spec.slice(i + 1) : 'handler';
  if (/\.tsx?$/.test(file)) throw new HandlerLoadError(`--handler: ${file} is TypeScript; build it first (the template's \`npm run build\` bundles dist/handler.js)`);
  let mod: Record<string, unknown>;
  try { mod = await import(pathToFileURL(resolve(file)).href) as Record<string, unknown>; } catch (e) {
    throw new HandlerLoadError(`--handler: cannot load ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const fn = mod[name] ?? (mod.default as Record<string, unknown> | undefined)?.[name];
  if (typeof fn !== 'function') throw new HandlerLoadError(`--handler: ${file} has no exported function '${name}'`);
  return { handler: fn as Handler, name: `${file.replace(/.*\//, '').replace(/\.[^.]+$/, '')}-${name}` };
}

/** Calls a handler as Lambda does, with a context whose clock runs down from `timeoutMs`. */
export async function invokeHandler(handler: Handler, event: unknown, functionName: string, timeoutMs = 900_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  const context: LambdaContext = {
    functionName, functionVersion: '$LATEST', invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512', awsRequestId: randomUUID(), logGroupName: `/aws/lambda/${functionName}`, logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  return await handler(event, context);
}
