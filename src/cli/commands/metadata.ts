import { asCliError, loadConfigOrExit, makeClient, startEmbedded, metadataNames, type GlobalOptions } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { describeSource, ensureMetadata, hasHistoryColumns, readHistory } from '../../migrations/apply.js';
import { liveHolder, notHistory, type MetadataNames } from '../../migrations/history.js';
import type { KsqlClient } from '../../client/client.js';
import { confirm } from './manage.js';
import { report } from '../render.js';

export async function runMetadata(action: 'init' | 'destroy', opts: GlobalOptions & { yes?: boolean }): Promise<number> {
  const config = loadConfigOrExit(opts);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try {
    const m = await metadataNames(config, client);
    if (action === 'init') {
      // a history table that exists but cannot be read (its query terminated) is made again from
      // the stream: Confluent's tool reads the history from it
      const history = await readHistory(client, m, config.lock.leaseSeconds * 1000, { checkTable: true });
      const rebuilt = history?.tableProblem !== undefined;
      if (rebuilt) await dropOrphanedHistoryTable(client, m, history!.tableProblem!);
      await ensureMetadata(client, m);
      report(opts, [`${rebuilt ? `made ${m.table} again from ${m.stream} (it could not be read: ${history!.tableProblem}); ` : ''}metadata ready: stream ${m.stream} (topic ${m.streamTopic}), table ${m.table} (topic ${m.tableTopic})`], { action: 'init', stream: m.stream, streamTopic: m.streamTopic, table: m.table, tableTopic: m.tableTopic, rebuiltTable: rebuilt });
    } else {
      // the whole record of what was applied goes: never under a running `up`, and only when asked
      const leaseMs = config.lock.leaseSeconds * 1000;
      const history = await readHistory(client, m, leaseMs, { checkTable: true });
      if (history && liveHolder(history.lock, leaseMs, Date.now()) !== undefined) {
        throw new CliError(`the history's lock is held by ${history.lock.holder} since ${new Date(history.lock.since!).toISOString()}: a migration run may be going on; let it finish (or wait for its lease to run out) before destroying the history`, EXIT.FAILED);
      }
      // no history stream: nothing to drop (the table is made from the stream, so it is not there either)
      if (!history) { report(opts, [`nothing to drop: ${m.stream} does not exist on the server`], { action: 'destroy', dropped: [] }); return EXIT.OK; }
      // only a table with the history's columns goes (readHistory refuses one it can read without
      // them; one it cannot read is looked at here), and the plan names the topics as they are
      const table = await describeSource(client, m.table);
      if (table && !hasHistoryColumns(table)) throw notHistory(m, 'table');
      const stream = await describeSource(client, m.stream);
      const topics = [...(table ? [table.topic] : []), stream?.topic ?? m.streamTopic];
      const applied = [...history.versions.values()].filter((v) => v.state === 'MIGRATED').length;
      const names = table ? `${m.table} and ${m.stream}` : m.stream;
      const plan = [`drops ${names} with ${topics.length === 1 ? 'its topic' : 'their topics'} (${topics.join(', ')}): the record of ${applied} applied version${applied === 1 ? '' : 's'} is lost`];
      if (!(await confirm(plan, 'destroy the migration history?', opts))) { report(opts, ['nothing done'], { action: 'destroy', dropped: [] }); return EXIT.OK; }
      // dropping the table also stops the query that writes it (ksqlDB >= 0.15)
      await client.ksql(`${table ? `DROP TABLE IF EXISTS ${m.table} DELETE TOPIC;\n` : ''}DROP STREAM IF EXISTS ${m.stream} DELETE TOPIC;`);
      report(opts, [`dropped ${names} with ${topics.length === 1 ? 'its topic' : 'their topics'}`], { action: 'destroy', dropped: table ? [m.table, m.stream] : [m.stream] });
    }
    return EXIT.OK;
  } catch (e) { throw asCliError(e); } finally { await client.close(); await stopEmbedded(); }
}

/**
 * Drops the history table before it is made again, only when it is one: the history's columns, and
 * no query writing it (a terminated one's table). Any other table under that name, or one whose
 * query still runs (the read failed for another reason), is left alone and the problem reported.
 */
async function dropOrphanedHistoryTable(client: KsqlClient, m: MetadataNames, problem: string): Promise<void> {
  const table = m.table;
  const d = await describeSource(client, table);
  if (!d || !hasHistoryColumns(d)) throw notHistory(m, 'table');
  if (d.writeQueries > 0) throw new CliError(`the history table ${table} cannot be read (${problem}), though its query runs: nothing was changed; try again, or look at the server`, EXIT.FAILED);
  await client.ksql(`DROP TABLE IF EXISTS ${table};`);
}

