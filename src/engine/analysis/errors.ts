/** An error with ksqlDB's message for a statement that cannot be run (REST: statement_error 40001). */
export class KsqlStatementError extends Error {
  constructor(message: string, readonly errorCode = 40001) { super(message); }
}

/** A statement error ksqlDB raises while building the AST (its ParseFailedException), e.g. bad window properties. */
export class ParseFailedError extends KsqlStatementError {}

/** An error raised by a statement-specific validator (REST: generic_error 40000, no statementText). */
export class KsqlRequestError extends Error {
  constructor(message: string, readonly errorCode = 40000) { super(message); }
}

/** A failure while evaluating an expression for one record: the value becomes NULL. */
export class EvalError extends Error {}

/**
 * A failure Kafka Streams does not catch (an aggregate's KsqlFunctionException, as a DECIMAL sum's
 * overflow): the query stops in state ERROR at that record, where other errors skip the record.
 */
export class QueryFailure extends Error {}

/** A GROUP BY column that gives NULL for a row: the row is left out of the aggregation, and logged with ksqlDB's message. */
export class GroupByNull extends Error {
  constructor(index: number) { super(`Group-by column with index ${index} resolved to null. The source row will be excluded from the table.`); }
}
