import { metadataDdl } from '../../migrations/history.js';
import { asCliError, loadConfigOrExit, makeClient, startEmbedded, metadataNames, type GlobalOptions } from '../context.js';
import { EXIT } from '../errors.js';
import { report } from '../render.js';

export async function runMetadata(action: 'init' | 'destroy', opts: GlobalOptions): Promise<number> {
  const config = loadConfigOrExit(opts);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try {
    const m = await metadataNames(config, client);
    if (action === 'init') {
      await client.ksql(metadataDdl(m));
      report(opts, [`metadata ready: stream ${m.stream} (topic ${m.streamTopic}), table ${m.table} (topic ${m.tableTopic})`], { action: 'init', stream: m.stream, streamTopic: m.streamTopic, table: m.table, tableTopic: m.tableTopic });
    } else {
      // dropping the table also stops the query that writes it (ksqlDB >= 0.15)
      await client.ksql(`DROP TABLE IF EXISTS ${m.table} DELETE TOPIC;\nDROP STREAM IF EXISTS ${m.stream} DELETE TOPIC;`);
      report(opts, [`dropped ${m.table} and ${m.stream} with their topics`], { action: 'destroy', dropped: [m.table, m.stream] });
    }
    return EXIT.OK;
  } catch (e) { throw asCliError(e); } finally { await client.close(); await stopEmbedded(); }
}
