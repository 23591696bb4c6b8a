import { describe, expect, it } from 'vitest';
import { prepareMigration } from '../../src/migrations/prepare.js';

const file = (content: string) => ({ fileName: 'V000001__x.sql', content });

describe('preparing a migration file', () => {
  it('a file\'s DEFINE replaces a --define of the same name in any case; UNDEFINE forgets it', () => {
    const defines = new Map([['t', 'cli']]);
    expect(prepareMigration(file("DEFINE T = 'file';\nINSERT INTO a (x) VALUES ('${t}');\n"), defines).map((s) => s.text)).toEqual(["INSERT INTO a (x) VALUES ('file');"]);
    expect(() => prepareMigration(file("UNDEFINE T;\nINSERT INTO a (x) VALUES ('${t}');\n"), defines)).toThrow(/V000001__x\.sql:2: variable 't' is not defined/);
  });

  it('a variable the config names without a value (its ${env:NAME} unset) fails only where a file uses it, saying why; a DEFINE gives it one', () => {
    const defines = Object.assign(new Map([['other', 'x']]), { unset: new Map([['Token', 'variables.Token: environment variable TOKEN is not set']]) });
    expect(prepareMigration(file("INSERT INTO a (x) VALUES ('${other}');\n"), defines).map((s) => s.text)).toEqual(["INSERT INTO a (x) VALUES ('x');"]);
    expect(() => prepareMigration(file("INSERT INTO a (x) VALUES (1);\nINSERT INTO a (x) VALUES ('${token}');\n"), defines)).toThrow("V000001__x.sql:2: variable 'token' has no value: variables.Token: environment variable TOKEN is not set");
    expect(prepareMigration(file("DEFINE token = 'f';\nINSERT INTO a (x) VALUES ('${token}');\n"), defines).map((s) => s.text)).toEqual(["INSERT INTO a (x) VALUES ('f');"]);
  });

  it('a ${name} inside a comment is not a variable, wherever the comment is; lines still count as in the file', () => {
    const prepared = prepareMigration(file("CREATE STREAM a (x INT) -- , b ${undefinedvar}\n /* ${nor} this */ WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', PARTITIONS=1);\n-- ${here}\nINSERT INTO a (x) VALUES (1); -- '${after}'\n"), new Map());
    expect(prepared).toEqual([
      { text: "CREATE STREAM a (x INT)\n   WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', PARTITIONS=1);", line: 1 },
      { text: 'INSERT INTO a (x) VALUES (1);', line: 4 },
    ]);
  });

  it('keeps -- and /* inside quotes, and substitutes variables inside quotes', () => {
    const prepared = prepareMigration(file("INSERT INTO a (s, t) VALUES ('-- not a comment /* nor this */', '${v}');\n"), new Map([['v', 'x']]));
    expect(prepared.map((s) => s.text)).toEqual(["INSERT INTO a (s, t) VALUES ('-- not a comment /* nor this */', 'x');"]);
  });
});
