import type { ColumnDef, Duration, Expr, JoinClause, Pos, Props, PropValue, Query, Relation, SelectItem, Statement, StatementBody, WindowSpec } from './ast.js';
import { SqlSyntaxError, tokenize, type Token } from './lexer.js';
import { parseNumericLiteral } from './literals.js';
import { T, type SqlType } from './types.js';

/** The deepest nesting of ARRAY, MAP and STRUCT a column type may have. */
/** The most levels of ARRAY, MAP and STRUCT a type may nest: deeper ones could not be written back as statements. */
export const MAX_TYPE_DEPTH = 256;

/**
 * Words that ksqlDB reserves: they need quoting to be used as identifiers. (SHOW, EXPLAIN, PARTITION
 * and ESCAPE are in the grammar's nonReserved rule: a column may be named so.)
 */
export const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'WINDOW', 'LIMIT', 'AS', 'AND', 'OR', 'NOT',
  'JOIN', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'INNER', 'ON', 'WITHIN', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST',
  'CREATE', 'DROP', 'INSERT', 'INTO', 'VALUES', 'WITH', 'IS', 'NULL', 'TRUE', 'FALSE', 'IN', 'LIKE', 'BETWEEN',
  'DISTINCT', 'EXISTS', 'STREAM', 'TABLE', 'TERMINATE', 'LIST', 'DESCRIBE', 'PRINT',
]);

export type TypeResolver = (name: string) => SqlType | undefined;

export interface SplitStatement { text: string; line: number; col: number }

/** Splits a request into statement texts, each ending with its `;`. Positions are of the first token. */
export function splitRequest(sql: string): SplitStatement[] {
  const toks = tokenize(sql);
  const out: SplitStatement[] = [];
  let start: Token | undefined;
  for (const tok of toks) {
    if (tok.kind === 'eof') break;
    if (!start) start = tok;
    if (tok.kind === 'symbol' && tok.text === ';') {
      out.push({ text: sql.slice(start.offset, tok.end), line: start.line, col: start.col });
      start = undefined;
    }
  }
  if (start) {
    const last = toks[toks.length - 1]!;
    // (ANTLR's recovery: the end can follow a ';', so the ';' is missing there)
    throw new SqlSyntaxError(last.line, last.col, "Syntax Error\nmissing ';' at '<EOF>'");
  }
  return out;
}

/** Parses one statement (its text may end with `;`). */
export function parseStatement(text: string, resolveType: TypeResolver = () => undefined): Statement {
  const p = new Parser(text, resolveType);
  return p.statement();
}

/** Parses a column list such as "`K` STRING KEY, V INT" (QTT post-condition schemas). */
export function parseColumnList(text: string, resolveType: TypeResolver = () => undefined): ColumnDef[] {
  const p = new Parser(text, resolveType);
  const cols = p.columnList(false);
  p.expectEof();
  return cols;
}

class Parser {
  private toks: Token[];
  private i = 0;
  constructor(private readonly src: string, private readonly resolveType: TypeResolver) {
    this.toks = tokenize(src);
  }

  // ---- token helpers
  private get cur(): Token { return this.toks[this.i]!; }
  private peek(k = 1): Token { return this.toks[Math.min(this.i + k, this.toks.length - 1)]!; }
  private pos(t: Token = this.cur): Pos { return { line: t.line, col: t.col }; }
  private isKw(word: string, t: Token = this.cur): boolean { return t.kind === 'ident' && t.text === word; }
  private isSym(s: string, t: Token = this.cur): boolean { return t.kind === 'symbol' && t.text === s; }
  private acceptKw(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isKw(words[k]!, this.peek(k))) return false;
    this.i += words.length;
    return true;
  }
  private acceptSym(s: string): boolean { if (this.isSym(s)) { this.i++; return true; } return false; }
  private fail(expecting: string, t: Token = this.cur): never {
    const what = t.kind === 'eof' ? '<EOF>' : t.raw;
    throw new SqlSyntaxError(t.line, t.col, `Syntax Error\nmismatched input '${what}' expecting ${expecting}`);
  }
  private expectKw(word: string): void { if (!this.acceptKw(word)) this.fail(`'${word}'`); }
  private expectSym(s: string): void { if (!this.acceptSym(s)) this.fail(`'${s}'`); }
  expectEof(): void {
    this.acceptSym(';');
    if (this.cur.kind === 'eof') return;
    // one token too many before the ';': ANTLR's recovery calls it extraneous
    const next = this.peek();
    if (next.kind === 'symbol' && next.text === ';') throw new SqlSyntaxError(this.cur.line, this.cur.col, `Syntax Error\nextraneous input '${this.cur.raw}' expecting ';'`);
    this.fail("';'");
  }

  /** An identifier: unquoted upper-cased (reserved words refused), quoted kept as is. */
  identifier(): string {
    const t = this.cur;
    if (t.kind === 'qident') { this.i++; return t.text; }
    if (t.kind === 'ident') {
      if (RESERVED.has(t.text)) {
        throw new SqlSyntaxError(t.line, t.col,
          `Syntax Error\n"${t.raw}" is a reserved keyword and it can't be used as an identifier. You can use it as an identifier by escaping it as '${t.raw}' `);
      }
      this.i++; return t.text;
    }
    if (t.kind === 'variable') this.fail('an identifier (undefined variable ${' + t.text + '})');
    return this.fail('an identifier');
  }

  private sourceName(): string {
    const t = this.cur;
    const name = this.identifier();
    if (!/^[a-zA-Z0-9_-]*$/.test(name)) {
      throw new SqlSyntaxError(t.line, t.col, `Illegal argument at Location{line=${t.line}, charPositionInLine=${t.col}}. Source names may only contain alphanumeric values, '_' or '-'.`);
    }
    return name;
  }

  // ---- statements
  statement(): Statement {
    const first = this.cur;
    const pos = this.pos();
    const body = this.statementBody();
    this.expectEof();
    const text = this.src.slice(first.offset).trim();
    return { ...body, text, pos } as Statement;
  }

  private statementBody(): StatementBody {
    const t = this.cur;
    if (this.isKw('SELECT')) return { kind: 'select', query: this.query() };
    if (this.acceptKw('CREATE')) return this.create();
    if (this.acceptKw('INSERT')) return this.insert();
    if (this.acceptKw('DROP')) return this.drop();
    if (this.isKw('TERMINATE') || this.isKw('PAUSE') || this.isKw('RESUME')) {
      const kind = this.cur.text.toLowerCase() as 'terminate' | 'pause' | 'resume';
      this.i++;
      if (this.acceptKw('ALL')) return { kind, queryId: 'ALL' };
      const q = this.cur;
      if (q.kind === 'qident') { this.i++; return { kind, queryId: q.text }; }
      if (q.kind !== 'ident') this.fail('a query id');
      // query ids may contain characters beyond identifiers (e.g. transient ids with digits)
      this.i++;
      return { kind, queryId: q.text };
    }
    if (this.isKw('SHOW') || this.isKw('LIST')) { this.i++; return this.show(); }
    if (this.acceptKw('DESCRIBE')) return this.describe();
    if (this.acceptKw('EXPLAIN')) {
      if (this.cur.kind === 'ident' && this.peek().kind !== 'eof' && !this.isSym(';', this.peek())) {
        const inner = this.statementBody();
        return { kind: 'explain', statement: { ...inner, text: this.src.slice(t.end).trim(), pos: this.pos(t) } as Statement };
      }
      // a query id is an identifier (quoted or not), as TERMINATE takes it; a string is none
      const id = this.cur;
      if (id.kind !== 'ident' && id.kind !== 'qident') this.fail('a query id');
      this.i++;
      return { kind: 'explain', queryId: id.text };
    }
    if (this.acceptKw('DEFINE')) {
      const name = this.varName(); this.expectSym('=');
      const v = this.cur; if (v.kind !== 'string') this.fail('a string'); this.i++;
      return { kind: 'define', name, value: v.text };
    }
    if (this.acceptKw('UNDEFINE')) return { kind: 'undefine', name: this.varName() };
    if (this.acceptKw('SET')) { const [name, value] = this.propAssign(); return { kind: 'set', name, value }; }
    if (this.acceptKw('UNSET')) { const v = this.cur; if (v.kind !== 'string') this.fail('a string'); this.i++; return { kind: 'unset', name: v.text }; }
    if (this.acceptKw('ALTER')) {
      if (this.acceptKw('SYSTEM')) { const [name, value] = this.propAssign(); return { kind: 'alterSystem', name, value }; }
      const sourceType = this.streamOrTable();
      const name = this.sourceName();
      const columns: ColumnDef[] = [];
      do {
        this.expectKw('ADD'); this.acceptKw('COLUMN');
        const cp = this.pos();
        columns.push({ name: this.identifier(), type: this.type(), role: 'value', pos: cp });
      } while (this.acceptSym(','));
      return { kind: 'alter', sourceType, name, columns };
    }
    if (this.acceptKw('ASSERT')) return this.assert();
    if (this.acceptKw('PRINT')) return this.print();
    if (t.kind === 'ident') {
      const known = ['SELECT', 'CREATE', 'INSERT', 'DROP', 'TERMINATE', 'SHOW', 'LIST', 'DESCRIBE', 'EXPLAIN', 'DEFINE', 'UNDEFINE', 'SET', 'UNSET', 'ALTER', 'ASSERT', 'PRINT', 'PAUSE', 'RESUME'];
      const guess = known.find((k) => editDistance(k, t.text) <= 2);
      throw new SqlSyntaxError(t.line, t.col, `Syntax Error\nUnknown statement '${t.raw}'${guess ? `\nDid you mean '${guess}'?` : ''}`);
    }
    return this.fail('a statement');
  }

  private varName(): string {
    const t = this.cur;
    if (t.kind !== 'ident' && t.kind !== 'qident') this.fail('a variable name');
    this.i++;
    return t.kind === 'ident' ? t.raw : t.text;
  }

  private propAssign(): [string, string] {
    const k = this.cur; if (k.kind !== 'string') this.fail('a string'); this.i++;
    this.expectSym('=');
    const v = this.cur; if (v.kind !== 'string') this.fail('a string'); this.i++;
    return [k.text, v.text];
  }

  private streamOrTable(): 'STREAM' | 'TABLE' {
    if (this.acceptKw('STREAM')) return 'STREAM';
    if (this.acceptKw('TABLE')) return 'TABLE';
    return this.fail("{'STREAM', 'TABLE'}");
  }

  private create(): StatementBody {
    if ((this.isKw('SOURCE') || this.isKw('SINK')) && this.isKw('CONNECTOR', this.peek())) {
      this.i += 2;
      this.acceptKw('IF', 'NOT', 'EXISTS');
      const name = this.identifier();
      this.expectKw('WITH');
      this.props();
      return { kind: 'connector', action: 'create', name };
    }
    const orReplace = this.acceptKw('OR', 'REPLACE');
    if (this.acceptKw('TYPE')) {
      const ifNotExists = this.acceptKw('IF', 'NOT', 'EXISTS');
      const name = this.identifier();
      this.expectKw('AS');
      return { kind: 'createType', name, ifNotExists, type: this.type() };
    }
    const isSource = this.acceptKw('SOURCE');
    const sourceType = this.streamOrTable();
    const ifNotExists = this.acceptKw('IF', 'NOT', 'EXISTS');
    const name = this.sourceName();
    let columns: ColumnDef[] | undefined;
    if (this.acceptSym('(')) {
      columns = this.columnList(true);
      // (ANTLR's input mismatch after an element: the list may go on or end; ksqlDB says what it expected)
      if (!this.acceptSym(')')) throw new SqlSyntaxError(this.cur.line, this.cur.col, "Syntax Error\nExpecting {',', ')'}");
    }
    const props = this.acceptKw('WITH') ? this.props() : new Map() as Props;
    if (this.acceptKw('AS')) {
      if (columns) this.fail("';'");
      if (isSource) this.fail("'('");
      return { kind: 'createAs', sourceType, name, orReplace, ifNotExists, props, query: this.query() };
    }
    return { kind: 'createSource', sourceType, name, orReplace, ifNotExists, isSource, columns, props };
  }

  columnList(inParens: boolean): ColumnDef[] {
    const cols: ColumnDef[] = [];
    do {
      const pos = this.pos();
      const name = this.identifier();
      const type = this.type();
      let role: ColumnDef['role'] = 'value';
      let headerKey: string | undefined;
      if (this.acceptKw('PRIMARY', 'KEY')) role = 'primaryKey';
      else if (this.acceptKw('KEY')) role = 'key';
      else if (this.acceptKw('HEADERS')) role = 'headers';
      else if (this.acceptKw('HEADER')) {
        this.expectSym('(');
        const k = this.cur; if (k.kind !== 'string') this.fail('a string'); this.i++;
        this.expectSym(')');
        role = 'header'; headerKey = k.text;
      }
      cols.push({ name, type, role, headerKey, pos });
    } while (this.acceptSym(','));
    void inParens;
    return cols;
  }

  props(): Props {
    const props: Props = new Map();
    this.expectSym('(');
    do {
      const kt = this.cur;
      let key: string;
      if (kt.kind === 'string' || kt.kind === 'qident') { key = kt.text.toUpperCase(); this.i++; } else if (kt.kind === 'ident') { key = kt.text; this.i++; } else this.fail('a property name');
      this.expectSym('=');
      props.set(key, { value: this.literalValue(), pos: this.pos(kt) });
    } while (this.acceptSym(','));
    this.expectSym(')');
    return props;
  }

  private literalValue(): PropValue {
    const t = this.cur;
    let neg = false;
    if (this.isSym('-')) { neg = true; this.i++; }
    const v = this.cur;
    if (v.kind === 'string' && !neg) { this.i++; return v.text; }
    if (v.kind === 'integer' || v.kind === 'decimal' || v.kind === 'double') { this.i++; return neg ? -Number(v.text) : Number(v.text); }
    if (v.kind === 'ident' && (v.text === 'TRUE' || v.text === 'FALSE') && !neg) { this.i++; return v.text === 'TRUE'; }
    return this.fail('a literal', t);
  }

  private insert(): StatementBody {
    this.expectKw('INTO');
    const target = this.sourceName();
    if (this.isSym('(') || this.isKw('VALUES')) {
      let columns: string[] | undefined;
      if (this.acceptSym('(')) {
        columns = [];
        do columns.push(this.identifier()); while (this.acceptSym(','));
        this.expectSym(')');
      }
      this.expectKw('VALUES');
      this.expectSym('(');
      const values: Expr[] = [];
      if (!this.isSym(')')) { do values.push(this.expr()); while (this.acceptSym(',')); }
      this.expectSym(')');
      return { kind: 'insertValues', target, columns, values };
    }
    const props = this.acceptKw('WITH') ? this.props() : new Map() as Props;
    return { kind: 'insertInto', target, props, query: this.query() };
  }

  private drop(): StatementBody {
    if (this.acceptKw('CONNECTOR')) {
      this.acceptKw('IF', 'EXISTS');
      return { kind: 'connector', action: 'drop', name: this.identifier() };
    }
    if (this.acceptKw('TYPE')) {
      const ifExists = this.acceptKw('IF', 'EXISTS');
      return { kind: 'dropType', name: this.identifier(), ifExists };
    }
    const sourceType = this.streamOrTable();
    const ifExists = this.acceptKw('IF', 'EXISTS');
    const name = this.sourceName();
    const deleteTopic = this.acceptKw('DELETE', 'TOPIC');
    return { kind: 'drop', sourceType, name, ifExists, deleteTopic };
  }

  private show(): StatementBody {
    if (this.acceptKw('CONNECTOR', 'PLUGINS')) return { kind: 'connector', action: 'plugins' };
    if (this.acceptKw('CONNECTORS') || this.acceptKw('SOURCE', 'CONNECTORS') || this.acceptKw('SINK', 'CONNECTORS')) return { kind: 'connector', action: 'show' };
    const all = this.acceptKw('ALL');
    const t = this.cur;
    const what = ['STREAMS', 'TABLES', 'QUERIES', 'TOPICS', 'PROPERTIES', 'VARIABLES', 'FUNCTIONS', 'TYPES'].find((w) => this.isKw(w));
    if (!what) return this.fail("{'STREAMS', 'TABLES', 'QUERIES', 'TOPICS', 'PROPERTIES', 'VARIABLES', 'FUNCTIONS', 'TYPES'}", t);
    this.i++;
    const extended = this.acceptKw('EXTENDED');
    return { kind: 'show', what: what as 'STREAMS', extended, all };
  }

  private describe(): StatementBody {
    if (this.acceptKw('FUNCTION')) return { kind: 'describeFunction', name: this.identifier() };
    if (this.acceptKw('CONNECTOR')) return { kind: 'connector', action: 'describe', name: this.identifier() };
    if ((this.isKw('STREAMS') || this.isKw('TABLES')) && (this.peek().kind === 'eof' || this.isSym(';', this.peek()) || this.isKw('EXTENDED', this.peek()))) {
      const what = this.cur.text as 'STREAMS' | 'TABLES'; this.i++;
      return { kind: 'describeAll', what, extended: this.acceptKw('EXTENDED') };
    }
    const name = this.sourceName();
    return { kind: 'describe', name, extended: this.acceptKw('EXTENDED') };
  }

  private assert(): StatementBody {
    const not = this.acceptKw('NOT', 'EXISTS');
    if (this.acceptKw('TOPIC')) {
      const t = this.cur;
      if (t.kind !== 'ident' && t.kind !== 'qident' && t.kind !== 'string') this.fail('a topic name');
      this.i++;
      const topic = t.kind === 'ident' ? t.raw : t.text;
      const props = this.acceptKw('WITH') ? this.props() : new Map() as Props;
      const timeoutMs = this.acceptKw('TIMEOUT') ? this.duration().ms : undefined;
      return { kind: 'assertTopic', topic, not, props, timeoutMs };
    }
    this.expectKw('SCHEMA');
    let subject: string | undefined, id: number | undefined;
    if (this.acceptKw('SUBJECT')) { const t = this.cur; this.i++; subject = t.kind === 'ident' ? t.raw : t.text; }
    if (this.acceptKw('ID')) { const t = this.cur; this.i++; id = Number(t.text); }
    const timeoutMs = this.acceptKw('TIMEOUT') ? this.duration().ms : undefined;
    return { kind: 'assertSchema', subject, id, not, timeoutMs };
  }

  private print(): StatementBody {
    const t = this.cur;
    if (t.kind !== 'ident' && t.kind !== 'qident' && t.kind !== 'string') this.fail('a topic name');
    this.i++;
    const topic = t.kind === 'ident' ? t.raw : t.text;
    const fromBeginning = this.acceptKw('FROM', 'BEGINNING');
    let interval: number | undefined, limit: number | undefined;
    // (a number each: the grammar's intervalClause and limitClause)
    const whole = (): number => { const n = this.cur; if (n.kind !== 'integer') this.fail('a number'); this.i++; return Number(n.text); };
    if (this.acceptKw('INTERVAL') || this.acceptKw('SAMPLE')) interval = whole();
    if (this.acceptKw('LIMIT')) limit = whole();
    return { kind: 'print', topic, fromBeginning, interval, limit };
  }

  // ---- queries
  query(): Query {
    const start = this.cur;
    this.expectKw('SELECT');
    const items: SelectItem[] = [];
    do items.push(this.selectItem()); while (this.acceptSym(','));
    this.expectKw('FROM');
    const from = this.relation();
    const joins: JoinClause[] = [];
    for (;;) {
      let type: JoinClause['type'] | undefined;
      if (this.acceptKw('JOIN') || this.acceptKw('INNER', 'JOIN')) type = 'INNER';
      else if (this.acceptKw('LEFT', 'OUTER', 'JOIN') || this.acceptKw('LEFT', 'JOIN')) type = 'LEFT';
      else if (this.acceptKw('RIGHT', 'OUTER', 'JOIN') || this.acceptKw('RIGHT', 'JOIN')) type = 'RIGHT';
      else if (this.acceptKw('FULL', 'OUTER', 'JOIN') || this.acceptKw('FULL', 'JOIN')) type = 'FULL';
      if (!type) break;
      const right = this.relation();
      let within: JoinClause['within'];
      if (this.acceptKw('WITHIN')) {
        let before: Duration, after: Duration;
        if (this.acceptSym('(')) { before = this.duration(); this.expectSym(','); after = this.duration(); this.expectSym(')'); } else { before = after = this.duration(); }
        const grace = this.acceptKw('GRACE', 'PERIOD') ? this.duration() : undefined;
        within = { before, after, grace };
      }
      this.expectKw('ON');
      joins.push({ type, right, within, on: this.expr() });
    }
    const q: Query = { items, from, joins, text: '' };
    if (this.acceptKw('WINDOW')) q.window = this.windowSpec();
    if (this.acceptKw('WHERE')) q.where = this.expr();
    if (this.acceptKw('GROUP', 'BY')) q.groupBy = this.exprList();
    if (this.acceptKw('PARTITION', 'BY')) q.partitionBy = this.partitionByList();
    if (this.acceptKw('HAVING')) q.having = this.expr();
    if (this.acceptKw('EMIT')) {
      if (this.acceptKw('CHANGES')) q.emit = 'CHANGES';
      else if (this.acceptKw('FINAL')) q.emit = 'FINAL';
      else this.fail("{'CHANGES', 'FINAL'}");
    }
    if (this.acceptKw('LIMIT')) {
      let neg = false;
      if (this.acceptSym('-')) neg = true;
      // a fractional LIMIT parses; the engine refuses it when preparing the statement
      const t = this.cur; if (t.kind !== 'integer' && t.kind !== 'decimal' && t.kind !== 'double') this.fail('an integer'); this.i++;
      q.limit = neg ? -Number(t.text) : Number(t.text);
    }
    q.text = this.src.slice(start.offset, this.cur.offset).trim();
    return q;
  }

  private exprList(): Expr[] {
    const list: Expr[] = [];
    // GROUP BY (a, b) is the same as GROUP BY a, b; a lone parenthesised expression is just that expression
    if (this.isSym('(')) {
      const save = this.i;
      this.i++;
      const inner: Expr[] = [];
      try {
        do inner.push(this.expr()); while (this.acceptSym(','));
        if (this.acceptSym(')') && inner.length > 1 && !this.isSym(',') && this.cur.kind !== 'symbol') return inner;
        if (inner.length > 1 && this.isSym(';')) return inner;
      } catch { /* fall through to plain parsing */ }
      this.i = save;
    }
    // (an item of the list: a ',' may follow a parenthesised one, so ANTLR's recovery says its ')' is missing)
    do { this.inList++; try { list.push(this.expr()); } finally { this.inList--; } } while (this.acceptSym(','));
    return list;
  }
  /** Whether an item of a GROUP BY list is being read (and no parenthesis within it). */
  private inList = 0;

  /**
   * PARTITION BY takes value expressions (no comparisons or boolean operators), bare or in
   * parentheses, which may be empty: the analysis, not the grammar, refuses `PARTITION BY ()`.
   */
  private partitionByList(): Expr[] {
    const list: Expr[] = [];
    if (this.isSym('(')) {
      const save = this.i;
      this.i++;
      if (this.acceptSym(')')) return list;
      try {
        do list.push(this.concatExpr()); while (this.acceptSym(','));
        if (this.acceptSym(')') && (this.isSym(';') || this.cur.kind === 'eof' || this.isKw('EMIT') || this.isKw('LIMIT'))) return list;
      } catch { /* a parenthesised first expression: parse the list plainly */ }
      this.i = save;
      list.length = 0;
    }
    do list.push(this.concatExpr()); while (this.acceptSym(','));
    return list;
  }

  private selectItem(): SelectItem {
    const pos = this.pos();
    if (this.acceptSym('*')) return { t: 'star', pos };
    if ((this.cur.kind === 'ident' || this.cur.kind === 'qident') && this.isSym('.', this.peek()) && this.isSym('*', this.peek(2))) {
      const source = this.identifier(); this.i += 2;
      return { t: 'star', source, pos };
    }
    const expr = this.expr();
    if (this.isSym('->') && this.isSym('*', this.peek())) { this.i += 2; return { t: 'structstar', expr, pos }; }
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.identifier();
    else if (this.aliasFollows()) alias = this.identifier();
    return { t: 'expr', expr, alias, pos };
  }

  private relation(): Relation {
    const pos = this.pos();
    const name = this.sourceName();
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.identifier();
    else if (this.aliasFollows()) alias = this.identifier();
    return { name, alias, pos };
  }

  /**
   * Whether the next token is an alias without AS: an identifier that does not start the next clause
   * (a reserved word, EMIT CHANGES|FINAL, PARTITION BY: EMIT and PARTITION are no reserved words).
   */
  private aliasFollows(): boolean {
    const t = this.cur;
    if (t.kind === 'qident') return true;
    if (t.kind !== 'ident' || RESERVED.has(t.text)) return false;
    const next = this.peek();
    if (t.text === 'EMIT' && next.kind === 'ident' && (next.text === 'CHANGES' || next.text === 'FINAL')) return false;
    if (t.text === 'PARTITION' && next.kind === 'ident' && next.text === 'BY') return false;
    return true;
  }

  private windowSpec(): WindowSpec {
    let type: WindowSpec['type'];
    // ksqlDB's grammar lets a window be named (WINDOW w TUMBLING (...)); the name is not used
    const kinds = ['TUMBLING', 'HOPPING', 'SESSION'];
    if ((this.cur.kind === 'ident' || this.cur.kind === 'qident') && !kinds.includes(this.cur.text) && kinds.includes(this.peek().text)) this.identifier();
    if (this.acceptKw('TUMBLING')) type = 'TUMBLING';
    else if (this.acceptKw('HOPPING')) type = 'HOPPING';
    else if (this.acceptKw('SESSION')) type = 'SESSION';
    else return this.fail("{'TUMBLING', 'HOPPING', 'SESSION'}");
    this.expectSym('(');
    let size: Duration, advance: Duration | undefined;
    if (type === 'SESSION') size = this.duration();
    else {
      this.expectKw('SIZE'); size = this.duration();
      if (type === 'HOPPING') { this.expectSym(','); this.expectKw('ADVANCE'); this.expectKw('BY'); advance = this.duration(); }
    }
    let retention: Duration | undefined, grace: Duration | undefined;
    while (this.acceptSym(',')) {
      if (this.acceptKw('RETENTION')) retention = this.duration();
      else if (this.acceptKw('GRACE', 'PERIOD')) grace = this.duration();
      else this.fail("{'RETENTION', 'GRACE'}");
    }
    this.expectSym(')');
    return { type, size, advance, retention, grace };
  }

  private duration(): Duration {
    const t = this.cur;
    if (t.kind !== 'integer') this.fail('an integer');
    this.i++;
    const u = this.cur;
    const ms = unitMs(u.text);
    if (u.kind !== 'ident' || ms === undefined) this.fail("a time unit ('SECONDS', 'MINUTES', ...)");
    this.i++;
    const value = Number(t.text);
    return { value, unit: canonicalUnit(u.text), ms: value * ms };
  }

  // ---- types
  /** How deep the type being read is nested (ARRAY, MAP, STRUCT). */
  private typeDepth = 0;
  type(): SqlType {
    const t = this.cur;
    // a type nested deeper than this is refused here: one accepted would fail every later description of its source
    if (this.typeDepth > MAX_TYPE_DEPTH) throw new SqlSyntaxError(t.line, t.col, `Syntax Error\nThe type is nested too deeply (more than ${MAX_TYPE_DEPTH} levels of ARRAY, MAP and STRUCT)`);
    this.typeDepth++;
    try { return this.typeAt(t); } finally { this.typeDepth--; }
  }

  private typeAt(t: Token): SqlType {
    if (t.kind !== 'ident' && t.kind !== 'qident') this.fail('a type');
    // NULL is a literal, never a type: ksqlDB's grammar has no rule for it there
    if (t.kind === 'ident' && t.text.toUpperCase() === 'NULL') throw new SqlSyntaxError(t.line, t.col, "Syntax Error\nNULL is not a type; use a type such as STRING or INT");
    this.i++;
    const base = this.baseType(t);
    if (base) { this.typeParameters(); return base; }
    switch (t.kind === 'ident' ? t.text : '') {
      case 'DECIMAL': {
        this.expectSym('(');
        const p = this.cur; if (p.kind !== 'integer') this.fail('an integer'); this.i++;
        let s = '0';
        if (this.acceptSym(',')) { const st = this.cur; if (st.kind !== 'integer') this.fail('an integer'); this.i++; s = st.text; }
        this.expectSym(')');
        const precision = Number(p.text), scale = Number(s);
        if (precision < 1) throw new SqlSyntaxError(p.line, p.col, `DECIMAL precision must be >= 1: DECIMAL(${precision},${scale})`);
        if (scale > precision) throw new SqlSyntaxError(p.line, p.col, `DECIMAL precision must be >= scale: DECIMAL(${precision},${scale})`);
        return T.decimal(precision, scale);
      }
      case 'ARRAY': { this.expectSym('<'); const item = this.type(); this.expectSym('>'); return T.array(item); }
      case 'MAP': { this.expectSym('<'); const k = this.type(); this.expectSym(','); const v = this.type(); this.expectSym('>'); return T.map(k, v); }
      case 'STRUCT': {
        this.expectSym('<');
        const fields: { name: string; type: SqlType }[] = [];
        if (!this.isSym('>')) {
          do { const name = this.cur.kind === 'qident' ? this.identifier() : (this.i++, this.toks[this.i - 1]!.text); fields.push({ name, type: this.type() }); } while (this.acceptSym(','));
        }
        this.expectSym('>');
        return T.struct(fields);
      }
    }
    throw new SqlSyntaxError(t.line, t.col, `Unknown type: ${t.text}`);
  }

  /** A primitive or custom type name: ksqlDB's `baseType`, which may carry parameters. */
  private baseType(t: Token): SqlType | undefined {
    const primitives: Record<string, SqlType> = {
      BOOLEAN: T.BOOLEAN, INT: T.INTEGER, INTEGER: T.INTEGER, BIGINT: T.BIGINT, DOUBLE: T.DOUBLE, STRING: T.STRING, VARCHAR: T.STRING,
      BYTES: T.BYTES, DATE: T.DATE, TIME: T.TIME, TIMESTAMP: T.TIMESTAMP,
    };
    return (t.kind === 'ident' ? primitives[t.text] : undefined) ?? this.resolveType(t.text);
  }

  /** `baseType ('(' typeParameter (',' typeParameter)* ')')?` with typeParameter INTEGER_VALUE | STRING; ksqlDB ignores them (VARCHAR(STRING)). */
  private typeParameters(): void {
    if (!this.acceptSym('(')) return;
    do {
      const p = this.cur;
      if (p.kind !== 'integer' && !(p.kind === 'ident' && p.text === 'STRING')) throw new SqlSyntaxError(p.line, p.col, "Syntax Error\nExpecting {'STRING', INTEGER_VALUE}");
      this.i++;
    } while (this.acceptSym(','));
    this.expectSym(')');
  }

  // ---- expressions (loosest to tightest)
  expr(): Expr {
    if ((this.cur.kind === 'ident' || this.cur.kind === 'qident') && this.isSym('=>', this.peek())) {
      const p = this.identifier(); this.i++;
      return { t: 'lambda', params: [p], body: this.expr() };
    }
    if (this.isSym('(') && this.isLambdaParams()) {
      this.i++;
      const params: string[] = [];
      do params.push(this.identifier()); while (this.acceptSym(','));
      this.expectSym(')'); this.expectSym('=>');
      return { t: 'lambda', params, body: this.expr() };
    }
    return this.orExpr();
  }

  private isLambdaParams(): boolean {
    let k = 1;
    for (;;) {
      const t = this.peek(k);
      if (t.kind !== 'ident' && t.kind !== 'qident') return false;
      const n = this.peek(k + 1);
      if (this.isSym(')', n)) return this.isSym('=>', this.peek(k + 2));
      if (!this.isSym(',', n)) return false;
      k += 2;
    }
  }

  private orExpr(): Expr {
    let l = this.andExpr();
    while (this.acceptKw('OR')) l = { t: 'or', l, r: this.andExpr() };
    return l;
  }
  private andExpr(): Expr {
    let l = this.notExpr();
    while (this.acceptKw('AND')) l = { t: 'and', l, r: this.notExpr() };
    return l;
  }
  private notExpr(): Expr {
    if (this.acceptKw('NOT')) return { t: 'not', e: this.notExpr() };
    return this.predicate();
  }
  private predicate(): Expr {
    const e = this.concatExpr();
    const t = this.cur;
    if (t.kind === 'symbol' && ['=', '<>', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.i++;
      const op = (t.text === '!=' ? '<>' : t.text) as '=';
      return { t: 'cmp', op, l: e, r: this.concatExpr() };
    }
    if (this.acceptKw('IS')) {
      const not = this.acceptKw('NOT');
      if (this.acceptKw('NULL')) return { t: 'isnull', e, not };
      this.expectKw('DISTINCT'); this.expectKw('FROM');
      return { t: 'distinct', l: e, r: this.concatExpr(), not };
    }
    const not = this.isKw('NOT') && ['BETWEEN', 'IN', 'LIKE'].includes(this.peek().text) && this.peek().kind === 'ident';
    if (not) this.i++;
    if (this.acceptKw('BETWEEN')) {
      const lo = this.concatExpr(); this.expectKw('AND');
      return { t: 'between', e, lo, hi: this.concatExpr(), not };
    }
    if (this.acceptKw('IN')) {
      this.expectSym('(');
      const list: Expr[] = [];
      do list.push(this.expr()); while (this.acceptSym(','));
      this.expectSym(')');
      return { t: 'in', e, list, not };
    }
    if (this.acceptKw('LIKE')) {
      const pattern = this.concatExpr();
      let escape: string | undefined;
      if (this.acceptKw('ESCAPE')) {
        const s = this.cur; if (s.kind !== 'string') this.fail('a string'); this.i++;
        if (s.text.length !== 1) throw new SqlSyntaxError(s.line, s.col, `Expected single character escape but got: ${s.text}`);
        escape = s.text;
      }
      return { t: 'like', e, pattern, escape, not };
    }
    if (not) this.fail("{'BETWEEN', 'IN', 'LIKE'}");
    return e;
  }
  private concatExpr(): Expr {
    let l = this.additive();
    while (this.acceptSym('||')) l = { t: 'call', name: 'CONCAT', args: [l, this.additive()], pos: this.pos() };
    return l;
  }
  private additive(): Expr {
    let l = this.multiplicative();
    for (;;) {
      if (this.isSym('+') || this.isSym('-')) { const op = this.cur.text as '+'; this.i++; l = { t: 'arith', op, l, r: this.multiplicative() }; } else return l;
    }
  }
  private multiplicative(): Expr {
    let l = this.unary();
    for (;;) {
      if (this.isSym('*') || this.isSym('/') || this.isSym('%')) { const op = this.cur.text as '*'; this.i++; l = { t: 'arith', op, l, r: this.unary() }; } else return l;
    }
  }
  private unary(): Expr {
    if (this.acceptSym('-')) {
      // a negative number is one literal: -9223372036854775808 fits where its digits alone do not
      const n = this.cur;
      if ((n.kind === 'integer' || n.kind === 'decimal' || n.kind === 'double') && !this.isSym('[', this.peek()) && !this.isSym('->', this.peek())) {
        this.i++;
        return literalFromNumber('-' + n.text, false, n);
      }
      // (a minus over a parenthesised number is a negation of that literal, of its type: -(2147483648)
      // is a BIGINT, as ksqlDB's grammar has only MINUS? INTEGER_VALUE as one literal)
      const paren = this.isSym('(');
      const e = this.unary();
      if (!paren && e.t === 'lit' && e.text !== undefined && /^[0-9.]/.test(e.text)) return literalFromNumber('-' + e.text);
      return { t: 'neg', e };
    }
    if (this.acceptSym('+')) return this.unary();
    return this.postfix();
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isSym('[')) { this.i++; const index = this.expr(); this.expectSym(']'); e = { t: 'subscript', base: e, index }; continue; }
      if (this.isSym('->') && !this.isSym('*', this.peek())) {
        this.i++;
        const f = this.cur; if (f.kind !== 'ident' && f.kind !== 'qident') this.fail('a field name'); this.i++;
        e = { t: 'deref', base: e, field: f.text };
        continue;
      }
      return e;
    }
  }

  /**
   * A function call's argument: an expression, or the time unit that the first argument of the
   * date arithmetic functions is (DATEADD(DAYS, ...)); anywhere else DAY, HOUR ... are column names.
   */
  private callArgument(fn: string, index: number): Expr {
    const t = this.cur;
    if (index === 0 && UNIT_FUNCTIONS.has(fn.toUpperCase()) && t.kind === 'ident' && unitMs(t.text) !== undefined && (this.isSym(',', this.peek()) || this.isSym(')', this.peek()))) {
      this.i++;
      return { t: 'timeunit', unit: canonicalUnit(t.text) };
    }
    return this.expr();
  }

  private primary(): Expr {
    const t = this.cur;
    const pos = this.pos();
    switch (t.kind) {
      case 'string': this.i++; return { t: 'lit', type: T.STRING, value: t.text };
      case 'integer': case 'decimal': case 'double': this.i++; return literalFromNumber(t.text, false, t);
      case 'variable': this.fail('an expression (undefined variable ${' + t.text + '})');
      // falls through (fail never returns)
      case 'symbol':
        if (t.text === '(') {
          this.i++;
          const outer = this.inList;
          this.inList = 0;
          let e: Expr;
          try { e = this.expr(); } finally { this.inList = outer; }
          if (outer > 0 && this.isSym(',')) throw new SqlSyntaxError(this.cur.line, this.cur.col, "Syntax Error\nmissing ')' at ','");
          this.expectSym(')');
          return e;
        }
        return this.fail('an expression');
      case 'eof': return this.fail('an expression');
      case 'qident': break;
      case 'ident': {
        switch (t.text) {
          case 'NULL': this.i++; return { t: 'lit', type: T.NULL, value: null };
          case 'TRUE': this.i++; return { t: 'lit', type: T.BOOLEAN, value: true };
          case 'FALSE': this.i++; return { t: 'lit', type: T.BOOLEAN, value: false };
          case 'CASE': return this.caseExpr();
          case 'CAST': {
            this.i++; this.expectSym('(');
            const e = this.expr(); this.expectKw('AS'); const type = this.type(); this.expectSym(')');
            return { t: 'cast', e, type };
          }
          case 'DECIMAL': if (this.peek().kind === 'string') { this.i++; const s = this.cur; this.i++; return literalFromNumber(s.text, true); } break;
          case 'ARRAY': if (this.isSym('[', this.peek())) {
            this.i += 2;
            const items: Expr[] = [];
            if (!this.isSym(']')) { do items.push(this.expr()); while (this.acceptSym(',')); }
            this.expectSym(']');
            return { t: 'array', items };
          } break;
          case 'MAP': if (this.isSym('(', this.peek())) {
            this.i += 2;
            const entries: { key: Expr; value: Expr }[] = [];
            if (!this.isSym(')')) { do { const key = this.expr(); this.expectSym(':='); entries.push({ key, value: this.expr() }); } while (this.acceptSym(',')); }
            this.expectSym(')');
            return { t: 'map', entries };
          } break;
          case 'STRUCT': if (this.isSym('(', this.peek())) {
            this.i += 2;
            const fields: { name: string; value: Expr }[] = [];
            if (!this.isSym(')')) { do { const name = this.identifier(); this.expectSym(':='); fields.push({ name, value: this.expr() }); } while (this.acceptSym(',')); }
            this.expectSym(')');
            return { t: 'struct', fields };
          } break;
        }
        break;
      }
    }
    // identifier: function call, qualified column or column
    if (t.kind === 'ident' && this.isSym('(', this.peek())) {
      const name = t.text; this.i += 2;
      if (this.acceptSym('*')) { this.expectSym(')'); return { t: 'call', name, args: [], star: true, pos }; }
      const args: Expr[] = [];
      if (!this.isSym(')')) { do args.push(this.callArgument(name, args.length)); while (this.acceptSym(',')); }
      this.expectSym(')');
      return { t: 'call', name, args, pos };
    }
    const first = this.identifier();
    if (this.isSym('.') && (this.peek().kind === 'ident' || this.peek().kind === 'qident')) {
      this.i++;
      const name = this.identifier();
      return { t: 'col', source: first, name, pos };
    }
    return { t: 'col', name: first, pos };
  }

  private caseExpr(): Expr {
    this.expectKw('CASE');
    let operand: Expr | undefined;
    if (!this.isKw('WHEN')) operand = this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptKw('WHEN')) { const when = this.expr(); this.expectKw('THEN'); whens.push({ when, then: this.expr() }); }
    if (whens.length === 0) this.fail("'WHEN'");
    const elseE = this.acceptKw('ELSE') ? this.expr() : undefined;
    this.expectKw('END');
    return { t: 'case', operand, whens, else: elseE };
  }
}

function literalFromNumber(text: string, forceDecimal = false, at?: { line: number; col: number }): Expr {
  try {
    const { type, value } = parseNumericLiteral(text, forceDecimal);
    return { t: 'lit', type, value, text };
  } catch (e) {
    // ksqlDB reports a literal that does not fit while preparing the statement, one column on
    if (at && e instanceof SqlSyntaxError) throw new LiteralError(at.line, at.col + 1, e.detail);
    throw e;
  }
}

/** A numeric literal out of range, as ksqlDB words it. */
class LiteralError extends SqlSyntaxError {
  constructor(line: number, col: number, detail: string) {
    super(line, col, detail);
    this.message = `Failed to prepare statement: ${this.message}`;
  }
}

/** The functions whose first argument is a time unit. */
export const UNIT_FUNCTIONS = new Set(['DATEADD', 'DATESUB', 'TIMEADD', 'TIMESUB', 'TIMESTAMPADD', 'TIMESTAMPSUB']);
const UNITS: Record<string, number> = {
  MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000,
};
function unitMs(word: string): number | undefined {
  const w = word.toUpperCase();
  return UNITS[w] ?? UNITS[w.replace(/S$/, '')];
}
function canonicalUnit(word: string): string {
  const w = word.toUpperCase().replace(/S$/, '');
  return `${w}S`;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}
