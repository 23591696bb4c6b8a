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

  it('only ${identifier} is a variable, as in ksqlDB\'s grammar: Kafka Connect\'s config references and other ${...} text stay as written', () => {
    const sql = "CREATE SOURCE CONNECTOR c WITH ('connection.user' = '${file:/opt/connect/secrets.properties:db.user}', 'x' = '${env:DB_PASS}', 'y' = '${}', 'z' = '${a b}', 'v' = '${ v }');\n";
    expect(prepareMigration(file(sql), new Map([['v', 'set']])).map((s) => s.text)).toEqual([
      "CREATE SOURCE CONNECTOR c WITH ('connection.user' = '${file:/opt/connect/secrets.properties:db.user}', 'x' = '${env:DB_PASS}', 'y' = '${}', 'z' = '${a b}', 'v' = 'set');",
    ]);
  });

  it('ksql.variable.substitution.enable: a SET to false leaves ${name} as written in the statements after it (an undefined one is no error), an UNSET or a SET to true turns it back; the configuration\'s value is the file\'s start', () => {
    const sql = [
      "INSERT INTO a (x) VALUES ('${v}');",
      "SET 'ksql.variable.substitution.enable' = 'FALSE';",
      "INSERT INTO a (x) VALUES ('${v} ${undefinedvar}');",
      "DEFINE w = '${v}';",
      "UNSET 'ksql.variable.substitution.enable';",
      "INSERT INTO a (x) VALUES ('${v} ${w}');",
      "SET 'ksql.variable.substitution.enable' = 'false';",
      "SET 'ksql.variable.substitution.enable' = 'true';",
      "INSERT INTO a (x) VALUES ('${v}');",
    ].join('\n');
    expect(prepareMigration(file(sql), new Map([['v', '1']])).map((s) => s.text)).toEqual([
      "INSERT INTO a (x) VALUES ('1');",
      "SET 'ksql.variable.substitution.enable' = 'FALSE';",
      "INSERT INTO a (x) VALUES ('${v} ${undefinedvar}');",
      "UNSET 'ksql.variable.substitution.enable';",
      "INSERT INTO a (x) VALUES ('1 ${v}');",
      "SET 'ksql.variable.substitution.enable' = 'false';",
      "SET 'ksql.variable.substitution.enable' = 'true';",
      "INSERT INTO a (x) VALUES ('1');",
    ]);
    // off in the configuration: off from the start, and an UNSET goes back to off
    expect(prepareMigration(file("INSERT INTO a (x) VALUES ('${v}');\nUNSET 'ksql.variable.substitution.enable';\nINSERT INTO a (x) VALUES ('${v}');\n"), new Map([['v', '1']]), undefined, false).map((s) => s.text))
      .toEqual(["INSERT INTO a (x) VALUES ('${v}');", "UNSET 'ksql.variable.substitution.enable';", "INSERT INTO a (x) VALUES ('${v}');"]);
  });

  it('a value that breaks its statement\'s quoting is refused at that statement, naming the variable (the server would blame a statement after it)', () => {
    const sql = "CREATE STREAM o (id INT KEY, name STRING) WITH (KAFKA_TOPIC='o', VALUE_FORMAT='JSON', PARTITIONS=1);\nINSERT INTO o (id, name) VALUES (1, '${owner}');\nINSERT INTO o (id, name) VALUES (2, 'x');\n";
    expect(() => prepareMigration(file(sql), new Map([['owner', "O'Brien"]]))).toThrow("V000001__x.sql:2: the value of 'owner' breaks the statement's quoting: a ' in a value that goes inside quotes must be written '' (a \" or ` in a quoted name, doubled too)");
    // written as ksqlDB reads it, or with ; inside the quotes, it is one statement
    expect(prepareMigration(file(sql), new Map([['owner', "O''Brien; Jr"]]))[1]!.text).toBe("INSERT INTO o (id, name) VALUES (1, 'O''Brien; Jr');");
    // a value that ends the statement where it stands is refused too
    expect(() => prepareMigration(file('SELECT ${cols} FROM o;\n'.replace('SELECT', 'CREATE STREAM p AS SELECT')), new Map([['cols', 'id; DROP STREAM o']]))).toThrow(/V000001__x\.sql:1: the value of 'cols' breaks/);
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
