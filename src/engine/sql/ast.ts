import type { SqlType } from './types.js';

export interface Pos { line: number; col: number }

export type Expr =
  | { t: 'lit'; type: SqlType; value: unknown; text?: string }
  | { t: 'col'; source?: string; name: string; pos: Pos }
  | { t: 'deref'; base: Expr; field: string }
  | { t: 'subscript'; base: Expr; index: Expr }
  | { t: 'call'; name: string; args: Expr[]; star?: boolean; pos: Pos }
  | { t: 'arith'; op: '+' | '-' | '*' | '/' | '%'; l: Expr; r: Expr }
  | { t: 'neg'; e: Expr }
  | { t: 'cmp'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; l: Expr; r: Expr }
  | { t: 'and' | 'or'; l: Expr; r: Expr }
  | { t: 'not'; e: Expr }
  | { t: 'isnull'; e: Expr; not: boolean }
  | { t: 'distinct'; l: Expr; r: Expr; not: boolean }
  | { t: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { t: 'in'; e: Expr; list: Expr[]; not: boolean }
  | { t: 'like'; e: Expr; pattern: Expr; escape?: string; not: boolean }
  | { t: 'case'; operand?: Expr; whens: { when: Expr; then: Expr }[]; else?: Expr }
  | { t: 'cast'; e: Expr; type: SqlType }
  | { t: 'array'; items: Expr[] }
  | { t: 'map'; entries: { key: Expr; value: Expr }[] }
  | { t: 'struct'; fields: { name: string; value: Expr }[] }
  | { t: 'lambda'; params: string[]; body: Expr }
  | { t: 'timeunit'; unit: string };

export type SelectItem =
  | { t: 'expr'; expr: Expr; alias?: string; pos: Pos }
  | { t: 'star'; source?: string; pos: Pos }
  | { t: 'structstar'; expr: Expr; pos: Pos };

export interface Duration { value: number; unit: string; ms: number }

export interface WindowSpec {
  type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  size: Duration;
  advance?: Duration;
  retention?: Duration;
  grace?: Duration;
}

export interface Relation { name: string; alias?: string; pos: Pos }

export interface JoinClause {
  type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  right: Relation;
  within?: { before: Duration; after: Duration; grace?: Duration };
  on: Expr;
}

export interface Query {
  items: SelectItem[];
  from: Relation;
  joins: JoinClause[];
  window?: WindowSpec;
  where?: Expr;
  groupBy?: Expr[];
  partitionBy?: Expr[];
  having?: Expr;
  emit?: 'CHANGES' | 'FINAL';
  limit?: number;
  text: string;
}

export interface ColumnDef {
  name: string;
  type: SqlType;
  role: 'value' | 'key' | 'primaryKey' | 'headers' | 'header';
  headerKey?: string;
  pos: Pos;
}

export type PropValue = string | number | boolean;
export type Props = Map<string, { value: PropValue; pos: Pos }>;

export type StatementBody =
  | { kind: 'createSource'; sourceType: 'STREAM' | 'TABLE'; name: string; orReplace: boolean; ifNotExists: boolean;
      isSource: boolean; columns: ColumnDef[] | undefined; props: Props }
  | { kind: 'createAs'; sourceType: 'STREAM' | 'TABLE'; name: string; orReplace: boolean; ifNotExists: boolean;
      props: Props; query: Query }
  | { kind: 'insertInto'; target: string; props: Props; query: Query }
  | { kind: 'insertValues'; target: string; columns?: string[]; values: Expr[] }
  | { kind: 'drop'; sourceType: 'STREAM' | 'TABLE'; name: string; ifExists: boolean; deleteTopic: boolean }
  | { kind: 'terminate' | 'pause' | 'resume'; queryId: string | 'ALL' }
  | { kind: 'alter'; sourceType: 'STREAM' | 'TABLE'; name: string; columns: ColumnDef[] }
  | { kind: 'show'; what: 'STREAMS' | 'TABLES' | 'QUERIES' | 'TOPICS' | 'PROPERTIES' | 'VARIABLES' | 'FUNCTIONS' | 'TYPES'; extended: boolean; all?: boolean }
  | { kind: 'describe'; name: string; extended: boolean }
  | { kind: 'describeFunction'; name: string }
  /** CREATE SOURCE|SINK CONNECTOR, DROP CONNECTOR, DESCRIBE CONNECTOR, SHOW [SOURCE|SINK] CONNECTORS, SHOW CONNECTOR PLUGINS. */
  | { kind: 'connector'; action: 'create' | 'drop' | 'describe' | 'show' | 'plugins'; name?: string }
  | { kind: 'describeAll'; what: 'STREAMS' | 'TABLES'; extended: boolean }
  | { kind: 'explain'; queryId?: string; statement?: Statement }
  | { kind: 'define'; name: string; value: string }
  | { kind: 'undefine'; name: string }
  | { kind: 'set'; name: string; value: string }
  | { kind: 'unset'; name: string }
  | { kind: 'alterSystem'; name: string; value: string }
  | { kind: 'createType'; name: string; type: SqlType; ifNotExists: boolean }
  | { kind: 'dropType'; name: string; ifExists: boolean }
  | { kind: 'assertTopic'; topic: string; not: boolean; props: Props; timeoutMs?: number }
  | { kind: 'assertSchema'; subject?: string; id?: number; not: boolean; timeoutMs?: number }
  | { kind: 'print'; topic: string; fromBeginning: boolean; interval?: number; limit?: number }
  | { kind: 'select'; query: Query };

export type Statement = StatementBody & { text: string; pos: Pos };

export type StatementKind = Statement['kind'];
