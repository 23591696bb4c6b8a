import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine.js';
import type { Origin, TopicRecord } from './topics.js';

type Entry =
  | { t: 'cmd'; sql: string; props: Record<string, unknown> }
  | { t: 'rec'; topic: string; p: number; k: string | null; v: string | null; ts: number; h: { k: string; v: string | null }[] };

/**
 * The durable log of a data dir: every state-changing command (like ksqlDB's command topic) and
 * every record written by a client, in the order they happened. Records written by queries are
 * derived, so replaying this log through the deterministic engine rebuilds the same catalog,
 * query ids, topic offsets and state, with nothing lost or counted twice. Each entry is written
 * synchronously before the request is answered; a torn last line (kill -9) is dropped on open.
 */
export class Journal {
  private fh: FileHandle | undefined;
  private replaying = false;

  private constructor(readonly dir: string, readonly clusterId: string, private readonly engine: Engine) {}

  static async open(dir: string, engine: Engine): Promise<Journal> {
    await mkdir(dir, { recursive: true });
    const idFile = join(dir, 'cluster-id');
    let clusterId: string;
    try { clusterId = (await readFile(idFile, 'utf8')).trim(); } catch {
      clusterId = randomBytes(16).toString('base64url').slice(0, 22);
      const f = await open(idFile, 'w'); await f.writeFile(clusterId); await f.sync(); await f.close();
    }
    const j = new Journal(dir, clusterId, engine);
    const path = join(dir, 'journal.jsonl');
    let text = '';
    try { text = await readFile(path, 'utf8'); } catch { /* new data dir */ }
    const lines = text.split('\n');
    let validBytes = 0;
    j.replaying = true;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (i === lines.length - 1 && line === '') break;
      let entry: Entry;
      try { entry = JSON.parse(line) as Entry; } catch { break; } // torn write at the end
      j.replay(entry);
      validBytes += Buffer.byteLength(line) + 1;
    }
    j.replaying = false;
    j.fh = await open(path, 'a+');
    if (validBytes < Buffer.byteLength(text)) await j.fh.truncate(validBytes);
    engine.topics.onAppend((rec, origin) => j.logRecord(rec, origin));
    return j;
  }

  private replay(e: Entry): void {
    if (e.t === 'cmd') {
      try { this.engine.executeStatement(e.sql, { properties: e.props, variables: new Map() }); } catch { /* it failed the same way before */ }
    } else {
      if (!this.engine.topics.has(e.topic)) return;
      this.engine.topics.append(e.topic, {
        key: e.k === null ? null : Buffer.from(e.k, 'base64'), value: e.v === null ? null : Buffer.from(e.v, 'base64'),
        timestamp: e.ts, partition: e.p, headers: e.h.map((h) => ({ key: h.k, value: h.v === null ? null : Buffer.from(h.v, 'base64') })),
      });
    }
    this.engine.drain();
  }

  private write(e: Entry): void {
    if (this.replaying || !this.fh) return;
    writeSync(this.fh.fd, `${JSON.stringify(e)}\n`);
  }

  logCommand(sql: string, props: Record<string, unknown>): void { this.write({ t: 'cmd', sql, props }); }

  private logRecord(rec: TopicRecord, origin: Origin): void {
    if (origin !== 'external') return;
    this.write({
      t: 'rec', topic: rec.topic, p: rec.partition, ts: rec.timestamp,
      k: rec.key === null ? null : rec.key.toString('base64'), v: rec.value === null ? null : rec.value.toString('base64'),
      h: rec.headers.map((h) => ({ k: h.key, v: h.value === null ? null : h.value.toString('base64') })),
    });
  }

  async close(): Promise<void> { await this.fh?.close(); this.fh = undefined; }
}
