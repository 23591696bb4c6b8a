import { basename, relative, resolve } from 'node:path';
import { readTemplate, templateDir, writeProject } from '../../scaffold/files.js';
import { ScaffoldError } from '../../scaffold/render.js';
import { renderSettlementHandler, SETTLEMENT_HANDLER_DEFAULTS, type EventSource } from '../../scaffold/settlement-handler.js';
import { CliError, EXIT } from '../errors.js';

export interface ScaffoldSettlementHandlerFlags {
  name?: string;
  inputTopic?: string;
  outputTopic?: string;
  eventSource?: EventSource;
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
  };
  let count: number;
  try {
    const files = renderSettlementHandler(await readTemplate(templateDir('settlement-handler')), options);
    await writeProject(target, files, { force: flags.force });
    count = files.length;
  } catch (e) {
    if (e instanceof ScaffoldError) throw new CliError(`scaffold: ${e.message}`, EXIT.USAGE, { cause: e });
    throw e;
  }
  const shown = relative(process.cwd(), target) || '.';
  const source = options.eventSource === 'msk' ? 'Amazon MSK' : 'self-managed Kafka';
  process.stdout.write(
    `created ${shown}/ (${count} files): ${options.name}, a Lambda settling ${options.inputTopic} into ${options.outputTopic} (event source: ${source})\n`
    + 'next:\n'
    + `  cd ${shown}\n`
    + '  npm ci\n'
    + '  npm run check        # type check, tests, esbuild bundle into dist/\n'
    + `  # fill in a copy of secret.example.json, then: aws secretsmanager create-secret --name ${options.eventSource === 'msk' ? 'AmazonMSK_' : ''}${options.name}-config --secret-string file://secret.json\n`
    + '  sam deploy --guided  # template.yaml; give it the secret\'s ARN\n',
  );
}
