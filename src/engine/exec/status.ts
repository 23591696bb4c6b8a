import type { Engine, Entity } from '../engine.js';

/** A currentStatus entity for a distributed command, recorded for GET /status. */
export function commandStatus(engine: Engine, stmt: { text: string }, commandId: string, message: string, opts: { queryId?: string | null; carriesPlan: boolean }): Entity {
  const seq = engine.takeOffset(opts.carriesPlan);
  engine.commands.push({ id: commandId, status: 'SUCCESS', message, queryId: opts.queryId ?? null, seq });
  return {
    '@type': 'currentStatus',
    statementText: stmt.text,
    commandId,
    commandStatus: { status: 'SUCCESS', message, queryId: opts.queryId ?? null },
    commandSequenceNumber: seq,
    warnings: [],
  };
}

export function warningEntity(stmt: { text: string }, message: string): Entity {
  return { '@type': 'warning_entity', statementText: stmt.text, message, warnings: [] };
}
