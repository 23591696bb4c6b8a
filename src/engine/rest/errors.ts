import { KsqlRequestError, KsqlStatementError } from '../analysis/errors.js';
import { SqlSyntaxError } from '../sql/lexer.js';
import { isStorageFailure } from '../storage/journal.js';

export interface ErrorBody { status: number; body: Record<string, unknown> }

/** Maps an engine error to ksqlDB's error JSON and HTTP status (error_code = status x 100 + n). */
export function toErrorBody(err: unknown, statementText?: string): ErrorBody {
  if (err instanceof SqlSyntaxError) {
    return { status: 400, body: { '@type': 'statement_error', error_code: 40001, message: err.message, statementText: statementText ?? '', entities: [] } };
  }
  if (err instanceof KsqlStatementError) {
    const status = Math.floor(err.errorCode / 100);
    return { status, body: { '@type': 'statement_error', error_code: err.errorCode, message: err.message, statementText: statementText ?? '', entities: [] } };
  }
  if (err instanceof KsqlRequestError) {
    return { status: Math.floor(err.errorCode / 100), body: { '@type': 'generic_error', error_code: err.errorCode, message: err.message } };
  }
  // a statement nested deeper than the parser's stack is the request's fault, not the server's
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { status: 400, body: { '@type': 'statement_error', error_code: 40001, message: 'The statement is nested too deeply to parse', statementText: statementText ?? '', entities: [] } };
  }
  if (isStorageFailure(err)) return { status: 503, body: { '@type': 'generic_error', error_code: 50300, message: err.message } };
  if (err instanceof URIError) return { status: 400, body: { '@type': 'generic_error', error_code: 40000, message: `Malformed URL: ${err.message}` } };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { '@type': 'generic_error', error_code: 50000, message } };
}

export function genericError(status: number, code: number, message: string): ErrorBody {
  return { status, body: { '@type': 'generic_error', error_code: code, message } };
}
