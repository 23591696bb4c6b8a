import { posix } from 'node:path';
import { fillPlaceholders, ScaffoldError, type ProjectFile } from './render.js';

export type CiProvider = 'github';
export const CI_PROVIDERS: readonly CiProvider[] = ['github'];

export interface CiOptions {
  /** Default: `github` (the only one so far). */
  provider: CiProvider;
  /** The action the workflow uses. Default: {@link DEFAULT_ACTION}. */
  action: string;
  /** Branch whose pushes apply the migrations. Default: `main`. */
  defaultBranch: string;
  /** Where ksql-migrate.yaml lives, relative to the repository root. Default: `.`. */
  workingDirectory: string;
}

/** The composite action at the root of ksql-migrate's repository (action.yml). */
export const DEFAULT_ACTION = 'ksql-migrate/ksql-migrate@v1';
export const CI_DEFAULTS = { provider: 'github', action: DEFAULT_ACTION, defaultBranch: 'main', workingDirectory: '.' } as const;

/** Checks the options; messages name the flag at fault. */
export function checkCiOptions(options: CiOptions): void {
  if (!CI_PROVIDERS.includes(options.provider)) throw new ScaffoldError(`--provider: '${options.provider}' is not supported (known: ${CI_PROVIDERS.join(', ')})`);
  // owner/repo[/path]@ref, or a local ./path: what GitHub accepts in `uses:`
  if (!/^(?:[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[\w./-]+|\.\/[\w./-]*)$/.test(options.action)) throw new ScaffoldError(`--action: '${options.action}' is not owner/repo@ref`);
  if (!/^[\w./-]+$/.test(options.defaultBranch)) throw new ScaffoldError(`--branch: '${options.defaultBranch}' is not a branch name`);
  if (!/^[\w./-]+$/.test(options.workingDirectory) || options.workingDirectory.startsWith('/')) throw new ScaffoldError(`--working-directory: '${options.workingDirectory}' must be a relative path`);
  // relative to the repository's root, and inside it: the workflow's checkout is all there is
  if (posix.normalize(options.workingDirectory).split('/')[0] === '..') throw new ScaffoldError(`--working-directory: '${options.workingDirectory}' leaves the repository (it is relative to its root)`);
}

/** The files of templates/ci-<provider>/ with their placeholders filled; pure. */
export function renderCi(template: readonly ProjectFile[], options: CiOptions): ProjectFile[] {
  checkCiOptions(options);
  const values = { action: options.action, defaultBranch: options.defaultBranch, workingDirectory: options.workingDirectory };
  return template.map((file) => ({ path: file.path, content: Buffer.from(fillPlaceholders(file.content.toString('utf8'), values, file.path)) }));
}
