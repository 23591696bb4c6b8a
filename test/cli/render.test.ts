import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderExplain, renderQueries, renderSourceDescription, stateOf, wrapType, type SourceDescription } from '../../src/cli/commands/manage.js';
import { redactor } from '../../src/cli/context.js';
import { typeText } from '../../src/cli/schema-text.js';
import type { FieldSchema } from '../../src/client/entities.js';

const DIR = fileURLToPath(new URL('../../../shared/ksqldb/rest-entities/', import.meta.url));
const example = (name: string) => JSON.parse(readFileSync(`${DIR}ConsoleTest.${name}.approved.json`, 'utf8'))[0];

describe('type text', () => {
  it('writes nested and decimal types as ksqlDB does', () => {
    expect(typeText({ type: 'STRUCT', memberSchema: null, fields: [
      { name: 'a', schema: { type: 'ARRAY', fields: null, memberSchema: { type: 'MAP', fields: null, memberSchema: { type: 'DECIMAL', fields: null, memberSchema: null, parameters: { precision: 4, scale: 2 } } } } },
    ] })).toBe('STRUCT<`a` ARRAY<MAP<STRING, DECIMAL(4, 2)>>>');
  });
});

describe.skipIf(!existsSync(DIR))('renderers on entities serialized by a real ksqlDB (needs ../shared/ksqldb/rest-entities)', () => {
  it('describes a source: every column with its nested type and its key marker, within 80 columns', () => {
    const d = example('testPrintSourceDescription').sourceDescription;
    const text = renderSourceDescription(d, true, 80);
    expect(text).toContain('f_5     ARRAY<STRING>');
    expect(text).toContain('f_6     MAP<STRING, BIGINT>');
    expect(text).toContain('f_7     STRUCT<`a` DOUBLE>');
    expect(text).toMatch(/ROWKEY\s+STRING\s+(PRIMARY )?KEY/);
    expect(text).toContain('Written by:     writeId');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('describe --extended shows the statistics without the deprecation notice, per host, and marks failing queries', () => {
    const text = renderSourceDescription(example('testPrintSourceDescriptionWithClusterStats').sourceDescription, true, 80);
    expect(text).not.toMatch(/deprecated/);
    expect(text).toMatch(/Statistics:\n {2}stats\n {2}host1:8001: TEST 0\n/);
    expect(text).toMatch(/Errors:\n {2}errors\n {2}host1:8001: ERROR 0\n/);
    expect(text).toContain('Written by:     writeId (ERROR)');
  });

  it('explain shows a query\'s errors with their time and kind, and wraps its statement', () => {
    const d = example('shouldPrintExplainQueryWithError').queryDescription;
    d.statementText = `CREATE STREAM X AS SELECT ${'COLUMN_NAME, '.repeat(12)}Y FROM Z EMIT CHANGES;`;
    const text = renderExplain(d, 80);
    expect(text).toContain('  2020-08-05 16:28:56Z SYSTEM: error');
    expect(text).toContain('ERROR on foo:123');
    // the properties its request overrode (the example's overridden.prop: 42)
    expect(text).toContain('Overridden properties:\n  overridden.prop = 42\n');
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(text.split('Statement:\n')[1]!.split('\n\n')[0]!.replace(/\s+/g, ' ').trim()).toBe(d.statementText);
    // a statement is shown as it is: spaces inside a literal stay
    d.statementText = "CREATE STREAM X AS SELECT * FROM Z WHERE V = 'two  spaces';";
    expect(renderExplain(d, 80)).toContain("WHERE V = 'two  spaces';");
  });

  it('shows header columns', () => {
    const d = example('testPrintSourceDescriptionWithExtractedHeader').sourceDescription;
    expect(renderSourceDescription(d, false, 80)).toMatch(/HEADER\('abc'\)|HEADERS/);
  });

  it('lists queries in 80 columns, shortening long query strings, counting failures', () => {
    const e = example('testPrintQueries');
    const qs = e.queries.map((q: object) => ({ ...q, sources: [] }));
    qs[0].queryString = `CREATE STREAM X AS SELECT ${'A, '.repeat(60)}B FROM Y EMIT CHANGES;`;
    qs[0].state = 'ERROR';
    const text = renderQueries(qs, 80);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(text).toMatch(/…/);
    expect(text.split('\n').at(-1)).toMatch(/1 failing$/);
  });
});

/** A stream's description as DESCRIBE answers it, with no columns yet (the tests add theirs). */
const source = (): SourceDescription => ({
  name: 'S', type: 'STREAM', fields: [], keyFormat: 'KAFKA', valueFormat: 'JSON', topic: 's',
  partitions: 1, replication: 1, timestamp: '', windowType: null, readQueries: [], writeQueries: [], statistics: '', errorStats: '',
});

describe('management renderers in 80 columns', () => {
  const q = (i: number) => ({ id: `CSAS_USER_TRADES_${i}`, state: 'RUNNING', queryType: 'PERSISTENT', sinks: ['USER_TRADES'], sinkKafkaTopics: ['user_trades'], sources: ['STOCKTRADE', 'USERS'], statusCount: { RUNNING: 1 },
    queryString: "CREATE STREAM USER_TRADES WITH (KAFKA_TOPIC='user_trades') AS SELECT * FROM STOCKTRADE S LEFT JOIN USERS U ON S.USERID = U.USERID EMIT CHANGES;" });

  it('the queries table drops columns rather than cutting every one short: the cells it shows are whole, but the query string', () => {
    const lines = renderQueries([q(51), q(52)], 80).split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+SINKS\s+QUERY$/);
    expect(lines[1]).toMatch(/^CSAS_USER_TRADES_51\s+RUNNING\s+USER_TRADES\s+CREATE STREAM USER_TRADES WITH .*…$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    // wide enough, every column is there
    expect(renderQueries([q(51)], 160).split('\n')[1]).toMatch(/CSAS_USER_TRADES_51\s+RUNNING\s+PERSISTENT\s+USER_TRADES\s+user_trades\s+STOCKTRADE,USERS\s+CREATE/);
  });

  it('on a terminal a failing query\'s state is red, its columns lined up with the others (the colour takes no room)', () => {
    const failing = { ...q(7), state: 'ERROR', statusCount: { ERROR: 1 } };
    const painted = renderQueries([failing, q(8)], 160, true);
    expect(painted).toContain('\u001b[31mERROR\u001b[39m');
    // eslint-disable-next-line no-control-regex
    const plain = painted.replace(/\u001b\[\d+m/g, '').split('\n');
    expect(plain[1]!.indexOf('PERSISTENT')).toBe(plain[2]!.indexOf('PERSISTENT'));
    expect(plain).toEqual(renderQueries([failing, q(8)], 160, false).split('\n'));
  });

  it('a query\'s state is its hosts\' worst: ERROR, UNRESPONSIVE, PENDING_SHUTDOWN, PAUSED, then the server\'s', () => {
    expect(([{ RUNNING: 1 }, { PAUSED: 1, RUNNING: 1 }, { UNRESPONSIVE: 1, PAUSED: 1 }, { PENDING_SHUTDOWN: 1 }] as Record<string, number>[]).map((statusCount) => stateOf({ ...q(1), statusCount })))
      .toEqual(['RUNNING', 'PAUSED', 'UNRESPONSIVE', 'PENDING_SHUTDOWN']);
    expect(stateOf({ ...q(1), state: 'ERROR', statusCount: { ERROR: 1, RUNNING: 1 } })).toBe('ERROR');
  });

  it('a query id of 62 characters or more keeps the table within the line, the id whole', () => {
    const long = { ...q(1), id: 'MY_EXTREMELY_LONG_QUERY_IDENTIFIER_FOR_LAYOUT_TESTING_PURPOSES' };
    const lines = renderQueries([long], 80).split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(/^MY_EXTREMELY_LONG_QUERY_IDENTIFIER_FOR_LAYOUT_TESTING_PURPOSES\s+RUNNING/);
  });

  it('describe lists every query reading and writing a source, wrapped under its label, never an id cut short', () => {
    const ids = ['CSAS_ENRICHED_5', 'CTAS_PER_MIN_7', 'CTAS_BY_CUST_9', 'CSAS_LOWER_S_11', 'CTAS_SESS_13', 'CSAS_MY-STREAM_15'];
    const d = { ...source(), topic: 'deep_copy_with_a_rather_long_topic_name_to_check_layout', readQueries: ids.map((id) => ({ id, state: 'RUNNING' })) } as unknown as SourceDescription;
    const text = renderSourceDescription(d, false, 80);
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(text).not.toContain('…');
    const readBy = text.slice(text.indexOf('Read by:')).split('\n');
    expect(readBy[0]).toMatch(/^Read by: {8}CSAS_ENRICHED_5, /);
    expect(readBy[1]).toMatch(/^ {16}\S/);
    expect(readBy.join(' ').replace(/\s+/g, ' ').replace('Read by: ', '')).toBe(ids.join(', '));
    expect(text).toContain('Topic:          deep_copy_with_a_rather_long_topic_name_to_check_layout\n                (partitions: 1, replication: 1)');
  });

  it('a long nested type wraps onto more lines instead of losing its fields', () => {
    const struct = (fields: [string, FieldSchema][]): FieldSchema => ({ type: 'STRUCT', memberSchema: null, fields: fields.map(([name, schema]) => ({ name, schema })) });
    const s = (type: string): FieldSchema => ({ type, fields: null, memberSchema: null });
    const d = source();
    d.fields.push({ name: 'ORDER_DETAILS', schema: struct([['CUSTOMER', struct([['NAME', s('STRING')], ['ADDRESS', struct([['STREET', s('STRING')], ['CITY', s('STRING')], ['ZIP', s('STRING')], ['COUNTRY', s('STRING')]])]])], ['ITEMS', { type: 'ARRAY', fields: null, memberSchema: s('BIGINT') }]]) });
    const text = renderSourceDescription(d, false, 80);
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    const at = text.split('\n').findIndex((l) => l.startsWith('ORDER_DETAILS'));
    // a line may break after ", " or after "<": joined back, the type is whole
    const typed = text.split('\n').slice(at).join(' ').split('Key format')[0]!.replace(/ORDER_DETAILS/, '').replace(/\s+/g, ' ').replace(/< /g, '<').trim();
    expect(typed).toBe('STRUCT<`CUSTOMER` STRUCT<`NAME` STRING, `ADDRESS` STRUCT<`STREET` STRING, `CITY` STRING, `ZIP` STRING, `COUNTRY` STRING>>, `ITEMS` ARRAY<BIGINT>>');
    expect(wrapType('ARRAY<STRING>', 80)).toEqual(['ARRAY<STRING>']);
  });

  it('whole names on a wide terminal; wrapped types within the width with no key column; a long sink name whole in the queries table', () => {
    const s = (type: string) => ({ type, fields: null, memberSchema: null });
    const d = source();
    d.fields = [
      { name: 'CUSTOMER_SHIPPING_ADDRESS_POSTAL_CODE', schema: s('STRING') },
      { name: 'CUSTOMER_SHIPPING_ADDRESS_CITY', schema: { type: 'STRUCT', memberSchema: null, fields: [{ name: 'X'.repeat(150), schema: s('STRING') }, { name: 'Y', schema: s('INTEGER') }] } },
    ];
    const wide = renderSourceDescription(d, false, 200);
    expect(wide).toContain('CUSTOMER_SHIPPING_ADDRESS_POSTAL_CODE ');
    expect(wide).toContain('CUSTOMER_SHIPPING_ADDRESS_CITY ');
    for (const l of renderSourceDescription(d, false, 80).split('\n')) expect(l.length, l).toBeLessThanOrEqual(80);
    const long = { ...q(11), id: 'CSAS_SETTLEMENTS_11', sinks: ['SETTLEMENTS_BY_ACCOUNT_X'] };
    expect(renderQueries([long], 80).split('\n')[1]).toMatch(/^CSAS_SETTLEMENTS_11\s+RUNNING\s+SETTLEMENTS_BY_ACCOUNT_X\s+CREATE/);
  });
});

describe('--verbose redaction', () => {
  const redact = redactor(['hunter22']);
  it('hides secret-named properties in JSON and in SQL, and known secret values anywhere', () => {
    const body = JSON.stringify({ ksql: "CREATE SOURCE CONNECTOR c WITH ('connection.user'='bob', 'connection.password'='it''s', 'topic'='t'); INSERT INTO s VALUES ('hunter22');", streamsProperties: { 'sasl.jaas.config': 'x y', 'ksql.streams.auto.offset.reset': 'earliest' } });
    const out = redact(body);
    expect(out).toContain("'connection.user'='bob'");
    expect(out).toContain("'connection.password'='***'");
    expect(out).toContain("'topic'='t'");
    expect(out).toContain('"sasl.jaas.config":"***"');
    expect(out).toContain('"ksql.streams.auto.offset.reset":"earliest"');
    expect(out).not.toContain('hunter22');
    expect(out).not.toContain("it''s");
  });

  it('masks a known secret where it stands alone, not inside longer names', () => {
    const short = redactor(['user']);
    expect(short('applying V000001__users.sql: INSERT INTO USER_TRADES (USER_ID) VALUES (1)')).toBe('applying V000001__users.sql: INSERT INTO USER_TRADES (USER_ID) VALUES (1)');
    expect(short("CREATE STREAM s WITH (x='user'); -- by user")).toBe("CREATE STREAM s WITH (x='***'); -- by ***");
    expect(short(JSON.stringify({ u: 'user' }))).toBe('{"u":"***"}');
    // an edge that is no word character needs no boundary; a secret of 8 or more characters is masked inside other text too
    expect(redactor(['p@ss!'])("INSERT INTO T VALUES ('p@ss!x')")).toBe("INSERT INTO T VALUES ('***x')");
    expect(redactor(['hunter22'])("INSERT INTO T VALUES ('hunter22_suffix', 'xhunter22')")).toBe("INSERT INTO T VALUES ('***_suffix', 'x***')");
    // inside a JSON body, after an escape
    expect(redactor(['hunter2', 'pw1'])('{"ksql":"A\\nhunter2","b":"\\tpw1 \\u0027pw1"}')).toBe('{"ksql":"A\\n***","b":"\\t*** \\u0027***"}');
  });

  it('hides numbers and booleans of secret-named keys too, and leaves names that only contain the letters alone', () => {
    const out = redact(JSON.stringify({ streamsProperties: { 'ssl.keystore.password': 918273, 'bypass.mode': 'on', compassMode: 'x', apiKey: 'k1', 'my.Secret': true } }));
    expect(out).toContain('"ssl.keystore.password":"***"');
    expect(out).not.toContain('918273');
    expect(out).toContain('"bypass.mode":"on"');
    expect(out).toContain('"compassMode":"x"');
    expect(out).toContain('"apiKey":"***"');
    expect(out).toContain('"my.Secret":"***"');
  });
});

describe('secrets the review found shown', () => {
  it('a secret quoted in part or upper-cased by a server message is hidden in any case, its longer pieces too', () => {
    const r = redactor(['S3cr3t-XYZ-987', 'Tok3nXYZ987abc']);
    expect(r("line 1:79: Syntax Error mismatched input 'S3cr3t' expecting a literal")).toBe("line 1:79: Syntax Error mismatched input '***' expecting a literal");
    expect(r("VALUES column 'TOK3NXYZ987ABC' cannot be resolved.")).toBe("VALUES column '***' cannot be resolved.");
    // a value of 6 characters or more is masked inside other text too (a topic named after it)
    expect(redactor(['hunter2'])("KAFKA_TOPIC='b_hunter2'")).toBe("KAFKA_TOPIC='b_***'");
    // a piece that is a plain word stays (it would mask names: 'connection.secret')
    expect(redactor(['my-secret-Tok3nX'])("'connection.secret' is set; TOK3NX went out")).toBe("'connection.secret' is set; *** went out");
  });

  it('names holding a secret word anywhere are secret-named; values over lines, without =, bare numbers and URL credentials are hidden', () => {
    const r = redactor([]);
    for (const name of ['dbpassword', 'KAFKAPASSWORD', 'db_pwd', 'value.converter.basic.auth.user.info', 'snowflake.private.key', 'connection.pwd']) {
      expect(r(`CREATE SOURCE CONNECTOR c WITH ('${name}'='v4lue-Z');`), name).toBe(`CREATE SOURCE CONNECTOR c WITH ('${name}'='***');`);
    }
    expect(r("'connection.password'=123456789, 'tasks.max'=1")).toBe("'connection.password'='***', 'tasks.max'=1");
    expect(r("'connection.password' 'Pg-S3cr3t'")).toBe("'connection.password' '***'");
    // in a JSON request body, a line break is \n
    expect(r(JSON.stringify({ ksql: "WITH (\n  'connection.password' =\n      'Pg-S3cr3t-XYZ'\n);" }))).not.toContain('Pg-S3cr3t');
    expect(r("'connection.uri'='mongodb://app:Uri-S3cr3t@mongo:27017', 'connection.url'='jdbc:postgresql://db/x?user=a&password=Url-S3cr3t'"))
      .toBe("'connection.uri'='mongodb://app:***@mongo:27017', 'connection.url'='jdbc:postgresql://db/x?user=a&password=***'");
    // names that only hold the letters stay
    expect(r("WITH ('bypass.mode'='on', 'topic'='t')")).toBe("WITH ('bypass.mode'='on', 'topic'='t')");
  });

  it('finds the values migration files give secret-named properties, whatever strings come before them', async () => {
    const { secretPropertyValues } = await import('../../src/cli/context.js');
    expect(secretPropertyValues("CREATE STREAM a AS SELECT CONCAT(x, 'y') FROM b;\nCREATE SOURCE CONNECTOR c WITH ('connector.class'='io.x', 'connection.password'='hunter22');")).toEqual(['hunter22']);
    expect(secretPropertyValues(`WITH ("connection.user" = 'bob', 'connection.password' = 'hunter22')`)).toEqual(['hunter22']);
    expect(secretPropertyValues(`WITH ('connection.password'="Dq-1", 'a.password'=\`Bq-2\`, connection.password='Uq-3', 'x.password'=Bare-4, 'y.password' 'Sp-5', 'z.secret'=42)`)).toEqual(['Dq-1', 'Bq-2', 'Uq-3', 'Bare-4', 'Sp-5', '42']);
    // names inside strings or comments are no names
    expect(secretPropertyValues("SELECT 'password = x' FROM t; -- 'password'='c1'\n/* 'token'='c2' */")).toEqual([]);
  });

  it('an option mistyped as --name=value is echoed without its value', async () => {
    const { withoutOptionValues } = await import('../../src/cli/errors.js');
    expect(withoutOptionValues("error: unknown option '--pasword=S3cr3t-XYZ-987'")).toBe("error: unknown option '--pasword=***'");
    // a short option hides all that follows its letter (Java's -Dname=value, a mysql -pSECRET, spaces, = or dashes in it)
    for (const given of ['-Ddb.password=S3cr3t-XYZ-987', '-pS3cr3t-XYZ-987', '-pmy secret', '-pab=cd', '-p-xyz']) {
      expect(withoutOptionValues(`error: unknown option '${given}'`)).toBe(`error: unknown option '${given.slice(0, 2)}***'`);
    }
    // a long one keeps its name, over lines too
    expect(withoutOptionValues("error: unknown option '--pasword=S3cr3t\nx'")).toBe("error: unknown option '--pasword=***'");
    // commander's own texts stay: a single letter, an option's synopsis
    expect(withoutOptionValues("error: unknown option '-x'")).toBe("error: unknown option '-x'");
    expect(withoutOptionValues("error: option '-d, --define <name=value>' argument missing")).toBe("error: option '-d, --define <name=value>' argument missing");
  });
});

describe('--define', () => {
  it('replaces the config\'s variable of the same name whatever its case', async () => {
    const { parseDefines } = await import('../../src/cli/context.js');
    const config = { variables: { partitions: '6', topic: 't' } } as unknown as Parameters<typeof parseDefines>[0];
    expect([...parseDefines(config, ['PARTITIONS=3'])]).toEqual([['topic', 't'], ['PARTITIONS', '3']]);
  });

  it('refuses what is no NAME=VALUE in words that fit it, never echoing a value', async () => {
    const { parseDefines } = await import('../../src/cli/context.js');
    const config = { variables: {} } as unknown as Parameters<typeof parseDefines>[0];
    const refused = (d: string) => { try { parseDefines(config, [d]); return 'accepted'; } catch (e) { return (e as Error).message; } };
    expect(refused('novalue')).toBe("--define: expected NAME=VALUE, got no '='");
    expect(refused('=s3cr3t')).toBe('--define: expected NAME=VALUE, got a value without a name');
    expect(refused('a b=x')).toBe("--define: 'a b' is not a variable name (letters, digits and _, not starting with a digit)");
    expect(refused('9lives=x')).toBe("--define: '9lives' is not a variable name (letters, digits and _, not starting with a digit)");
    expect([...parseDefines(config, ['_ok_1=a=b'])]).toEqual([['_ok_1', 'a=b']]);
  });
});
