import { isTopicName, TOPIC_NAME_RULE } from '../kafka/topic-name.js';

/** Exit codes, documented in the README: 0 ok, 1 migration failed, 2 usage/config, 3 server unreachable/auth, 4 validation failed, 130/143 interrupted by SIGINT/SIGTERM. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, VALIDATION: 4, INTERRUPTED: 130, OUTPUT_CLOSED: 141, TERMINATED: 143 } as const;

/** An error meant for the user: one line, mapped to an exit code. */
export class CliError extends Error {
  /** @param options.document more of the --json error document: what was done before the failure. */
  constructor(message: string, readonly exitCode: number = EXIT.FAILED, options?: { cause?: unknown; document?: Record<string, unknown> }) {
    super(message, options);
    this.document = options?.document;
  }
  readonly document?: Record<string, unknown>;
}

/** The one JSON document --json promises on stdout when a command fails: its error, exit code, and what it did before. */
export function writeErrorDocument(error: string, exitCode: number, more?: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ error, exitCode, ...more }, null, 2)}\n`);
}

/**
 * What a command that changes the server one statement at a time (drop, queries terminate) has done
 * so far, while it runs: a Ctrl-C then says it (main's signal handling), in the --json document too.
 */
export const progress: { document?: { done: unknown[]; inFlight?: string; notTried: string[] } } = {};

/**
 * Set by commands that run code they do not own (a Lambda handler keeps its producer open, as in a
 * container): once the command is done, main exits instead of waiting for those handles to close.
 */
export const exitWhenDone = { requested: false };

/**
 * A version number flag (1 to 999999; from 0 where `zero` is allowed, as down --to 0 undoes all), or
 * undefined when not given; digits only: 1e3 and 0x2 are numbers to JavaScript, not version numbers.
 */
export function versionFlag(flag: string, v: string | undefined, zero = false): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  const least = zero ? 0 : 1;
  if (!Number.isInteger(n) || n < least || n > 999_999) throw new CliError(`${flag}: expected a version number (${least} to 999999), got '${v}'`, EXIT.USAGE);
  return n;
}

/** A topic flag's value, by Kafka's rule for topic names: checked here so the flag is named, rather than a broker's error shown. */
export function topicFlag(flag: string, topic: string): string {
  if (!isTopicName(topic)) throw new CliError(`${flag}: '${topic}' is not a Kafka topic name (${TOPIC_NAME_RULE})`, EXIT.USAGE);
  return topic;
}

/**
 * A duration flag: a number with ms, s or m (1.5s, 2m, 500ms); a bare number is in `bareUnit`. Whole
 * milliseconds, at least 0.
 */
export function durationFlag(flag: string, v: string, bareUnit: 'ms' | 's'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new CliError(`${flag}: expected a duration like 500ms, 20s or 2m, got '${v}'`, EXIT.USAGE);
  const unit = m[2] ?? bareUnit;
  return Math.round(Number(m[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}

/** An option echoed with its value ('--pasword=...' mistyped): the value may be a secret, so it is not shown. */
// (the value runs to the quote that ends the line: it may hold quotes itself)
// (names with dots too, -Ddb.password=...; a value over lines too; and a short option with its value
// attached, -pSECRET, as a mysql habit writes it, keeps only its letter)
export const withoutOptionValues = (message: string): string => message
  // (a single dash and a letter: all that follows is hidden, = or spaces or dashes in it too; commander's
  // own synopsis, '-d, --define <name=value>', stays)
  .replace(/'-([A-Za-z])(?!, )[^'][\s\S]*?'(?=\n|$)/g, "'-$1***'")
  .replace(/'(--[\w.-]+)=[\s\S]*?'(?=\n|$)/g, "'$1=***'");

/** A usage error from the flag parser as one line: its suggestion joins the line it follows, and values are hidden. */
export const usageLine = (message: string): string => withoutOptionValues(message).replace(/\n\(Did you mean (.*?)\?\)/, ' (did you mean $1?)');

/** Why a path cannot be written, from the error's code; undefined for errors that are not about the path. */
export function pathProblem(e: unknown): string | undefined {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'EEXIST': case 'ENOTDIR': return 'a file stands where a directory is needed';
    case 'EISDIR': return 'a directory stands where a file is needed';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'ENOSPC': return 'no space left on the device';
    default: return undefined;
  }
}

/** A flag's whole number as written in decimal digits (a sign allowed), else NaN: '', 0x10, 1e3 and 1.0 are no counts or ports. */
export const decimalInt = (v: string | undefined): number => (v !== undefined && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN);
