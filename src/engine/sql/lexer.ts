/** Tokens of ksqlDB SQL. Keywords are unquoted identifiers; the parser matches them by text. */
export type TokenKind =
  | 'ident' | 'qident' | 'string' | 'integer' | 'decimal' | 'double' | 'variable' | 'symbol' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier text upper-cased (unquoted), the raw content (quoted), the literal text, or the symbol. */
  text: string;
  /** The exact source text of the token. */
  raw: string;
  line: number;
  col: number;
  offset: number;
  end: number;
}

export class SqlSyntaxError extends Error {
  constructor(readonly line: number, readonly col: number, readonly detail: string) {
    super(`line ${line}:${col + 1}: ${detail}`);
  }
}

const SYMBOLS = ['<=', '>=', '<>', '!=', '||', '->', '=>', ':=', '(', ')', ',', ';', '.', '*', '+', '-', '/', '%',
  '=', '<', '>', '[', ']', '<', '>'];

/** Splits SQL text into tokens, skipping whitespace and comments. Positions are 1-based lines, 0-based columns. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0, line = 1, lineStart = 0;
  const n = sql.length;
  const push = (kind: TokenKind, text: string, start: number, sl: number, sc: number) =>
    out.push({ kind, text, raw: sql.slice(start, i), line: sl, col: sc, offset: start, end: i });
  while (i < n) {
    const c = sql[i]!;
    if (c === '\n') { i++; line++; lineStart = i; continue; }
    // (ksqlDB's whitespace is [ \r\n\t]: a form feed is no whitespace, so it is a character no token takes)
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    // a -- comment ends at a line end, \n or a lone \r, as ksqlDB's lexer ends it (and the migration splitter)
    if (c === '-' && sql[i + 1] === '-') { while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++; continue; }
    if (c === '/' && sql[i + 1] === '*') {
      const sl = line, sc = i - lineStart;
      i += 2;
      while (i < n && !(sql[i] === '*' && sql[i + 1] === '/')) { if (sql[i] === '\n') { line++; lineStart = i + 1; } i++; }
      if (i >= n) throw new SqlSyntaxError(sl, sc, 'Syntax Error\nUnterminated comment');
      i += 2; continue;
    }
    const start = i, sl = line, sc = i - lineStart;
    if (c === '\'') {
      let text = '';
      i++;
      for (;;) {
        if (i >= n) throw new SqlSyntaxError(sl, sc, "Syntax Error\nUnterminated string literal");
        const d = sql[i]!;
        if (d === '\'') { if (sql[i + 1] === '\'') { text += '\''; i += 2; continue; } i++; break; }
        if (d === '\n') { line++; lineStart = i + 1; }
        text += d; i++;
      }
      push('string', text, start, sl, sc); continue;
    }
    if (c === '`' || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= n) throw new SqlSyntaxError(sl, sc, 'Syntax Error\nUnterminated quoted identifier');
        const d = sql[i]!;
        if (d === c) { if (sql[i + 1] === c) { text += c; i += 2; continue; } i++; break; }
        // (a line end within the name counts, as for every token)
        if (d === '\n') { line++; lineStart = i + 1; }
        text += d; i++;
      }
      push('qident', text, start, sl, sc); continue;
    }
    if (c === '$' && sql[i + 1] === '{') {
      const close = sql.indexOf('}', i);
      if (close < 0) throw new SqlSyntaxError(sl, sc, 'Syntax Error\nUnterminated variable reference');
      i = close + 1;
      push('variable', sql.slice(start + 2, close), start, sl, sc); continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      while (i < n && isDigit(sql[i]!)) i++;
      let kind: TokenKind = 'integer';
      if (sql[i] === '.' && !(isIdentStart(sql[i + 1] ?? '') && !/[eE]/.test(sql[i + 1] ?? ''))) {
        kind = 'decimal'; i++;
        while (i < n && isDigit(sql[i]!)) i++;
      }
      if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1] ?? '') || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql[i + 2] ?? '')))) {
        kind = 'double'; i += 2;
        while (i < n && isDigit(sql[i]!)) i++;
      }
      if (kind === 'integer' && i < n && isIdentStart(sql[i]!)) {
        // digit-led identifiers such as 1ST are allowed by ksqlDB's grammar
        while (i < n && isIdentPart(sql[i]!)) i++;
        push('ident', sql.slice(start, i).toUpperCase(), start, sl, sc); continue;
      }
      push(kind, sql.slice(start, i), start, sl, sc); continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(sql[i]!)) i++;
      push('ident', sql.slice(start, i).toUpperCase(), start, sl, sc); continue;
    }
    const sym = SYMBOLS.find((s) => sql.startsWith(s, i));
    if (!sym) throw new SqlSyntaxError(sl, sc, `Syntax Error\nUnexpected character '${c}'`);
    i += sym.length;
    push('symbol', sym, start, sl, sc);
  }
  out.push({ kind: 'eof', text: '<EOF>', raw: '', line, col: i - lineStart, offset: i, end: i });
  return out;
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c) || c === '@';
