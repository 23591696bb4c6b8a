import { existsSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { CI_DEFAULTS, renderCi, type CiProvider } from '../../scaffold/ci.js';
import { readTemplate, templateDir, writeFiles, writeProject } from '../../scaffold/files.js';
import { ScaffoldError, type ProjectFile } from '../../scaffold/render.js';
import { renderSettlementHandler, settlementSecretName, SETTLEMENT_HANDLER_DEFAULTS, type EventSource, type KafkaAuth } from '../../scaffold/settlement-handler.js';
import { CliError, EXIT, pathProblem } from '../errors.js';

export interface ScaffoldSettlementHandlerFlags {
  name?: string;
  inputTopic?: string;
  outputTopic?: string;
  eventSource?: EventSource;
  kafkaAuth?: KafkaAuth;
  force?: boolean;
}

/** `scaffold settlement-handler [dir]`: render the template into dir and say what to do next. */
export async function runScaffoldSettlementHandler(dir: string | undefined, flags: ScaffoldSettlementHandlerFlags): Promise<void> {
  const target = resolve(dir ?? 'settlement-handler');
  const options = {
    name: flags.name ?? basename(target),
    inputTopic: flags.inputTopic ?? SETTLEMENT_HANDLER_DEFAULTS.inputTopic,
    outputTopic: flags.outputTopic ?? SETTLEMENT_HANDLER_DEFAULTS.outputTopic,
    eventSource: flags.eventSource ?? SETTLEMENT_HANDLER_DEFAULTS.eventSource,
    kafkaAuth: flags.kafkaAuth,
  };
  let count: number;
  try {
    let files: ProjectFile[];
    try { files = renderSettlementHandler(await readTemplate(templateDir('settlement-handler')), options); } catch (e) {
      // a name taken from the directory is the directory's fault, not a --name the user never gave
      if (e instanceof ScaffoldError && flags.name === undefined) throw new ScaffoldError(e.message.replace(/^--name: '([^']*)'/, `the directory name '$1' (the default for --name)`));
      throw e;
    }
    await writeProject(target, files, { force: flags.force });
    count = files.length;
  } catch (e) {
    if (e instanceof ScaffoldError) throw new CliError(`scaffold: ${e.message}`, EXIT.USAGE, { cause: e });
    if (pathProblem(e)) throw new CliError(`scaffold: cannot write ${target}: ${pathProblem(e)} (${(e as NodeJS.ErrnoException).code})`, EXIT.USAGE, { cause: e });
    throw e;
  }
  const shown = relative(process.cwd(), target) || '.';
  const source = options.eventSource === 'msk' ? 'Amazon MSK' : 'self-managed Kafka';
  process.stdout.write(
    `created ${shown}/ (${count} files): ${options.name}, a Lambda settling ${options.inputTopic} into ${options.outputTopic} (event source: ${source})\n`
    + 'next:\n'
    + `  cd ${shellWord(shown)}\n`
    + '  npm ci\n'
    + '  npm run check        # type check, tests, esbuild bundle into dist/\n'
    + `  # fill in a copy of secret.example.json, then: aws secretsmanager create-secret --name ${settlementSecretName(options)} --secret-string file://secret.json\n`
    + '  sam deploy --guided  # template.yaml; give it the secret\'s ARN\n',
  );
}

export interface ScaffoldCiFlags {
  provider?: CiProvider;
  dir?: string;
  action?: string;
  branch?: string;
  workingDirectory?: string;
  force?: boolean;
}

/** `scaffold ci`: add a workflow to an existing project; an existing workflow of the same name is kept unless --force. */
export async function runScaffoldCi(flags: ScaffoldCiFlags): Promise<void> {
  const target = resolve(flags.dir ?? '.');
  const options = {
    provider: flags.provider ?? CI_DEFAULTS.provider,
    action: flags.action ?? CI_DEFAULTS.action,
    defaultBranch: flags.branch ?? CI_DEFAULTS.defaultBranch,
    workingDirectory: flags.workingDirectory ?? CI_DEFAULTS.workingDirectory,
  };
  // the workflow goes into an existing repository: a directory that is not there is a typo
  if (!existsSync(target) || !statSync(target).isDirectory()) throw new CliError(`--dir: ${target} is not an existing directory`, EXIT.USAGE);
  let files: ProjectFile[];
  try {
    files = renderCi(await readTemplate(templateDir(`ci-${options.provider}`)), options);
    const taken = files.filter((f) => existsSync(join(target, f.path)));
    if (taken.length > 0 && !flags.force) throw new ScaffoldError(`${taken.map((f) => f.path).join(', ')} already exists (--force overwrites it)`);
    await writeFiles(target, files);
  } catch (e) {
    if (e instanceof ScaffoldError) throw new CliError(`scaffold ci: ${e.message}`, EXIT.USAGE, { cause: e });
    if (pathProblem(e)) throw new CliError(`scaffold ci: cannot write into ${target}: ${pathProblem(e)} (${(e as NodeJS.ErrnoException).code})`, EXIT.USAGE, { cause: e });
    throw e;
  }
  const shown = relative(process.cwd(), target) || '.';
  process.stdout.write(
    files.map((f) => `created ${shown}/${f.path}`).join('\n')
    + `\npull requests run validate, pushes to ${options.defaultBranch} run up, through ${options.action}\n`
    + 'next: add the repository secrets KSQLDB_URL, KSQLDB_API_KEY and KSQLDB_API_SECRET (Settings > Secrets and variables > Actions)\n',
  );
}

/** A path that cannot hold the files (a file where a directory should be, no permission). */

/** A path as a shell takes it: as it is when plain, else in single quotes. */
const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
