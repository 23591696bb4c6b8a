import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../../src/engine/rest/server.js';
import { protobufRows } from '../../src/engine/serde/protobuf-rows.js';
import { protoRowText } from '../../src/engine/conformance/proto-text.js';
import { T } from '../../src/engine/sql/types.js';

describe('query rows in the protobuf response format', () => {
  it('declares maps as repeated entry messages, numbered with the nested messages', () => {
    const rows = protobufRows([{ name: 'ID', type: T.BIGINT }, { name: 'M', type: T.map(T.STRING, T.INTEGER) }]);
    expect(rows.schema).toBe('syntax = "proto3";\n\nmessage ConnectDefault1 {\n  int64 ID = 1;\n  repeated ConnectDefault2Entry M = 2;\n\n'
      + '  message ConnectDefault2Entry {\n    string key = 1;\n    int32 value = 2;\n  }\n}\n');
  });

  it.each([
    { name: 'defaults are left out, map entries keep their order', cols: [{ name: 'ID', type: T.BIGINT }, { name: 'M', type: T.map(T.STRING, T.INTEGER) }],
      values: [0, new Map([['Q', 0], ['D', 4]])], text: 'M {\n  key: "Q"\n}\nM {\n  key: "D"\n  value: 4\n}\n' },
    { name: 'strings are quoted, doubles as Java prints them', cols: [{ name: 'S', type: T.STRING }, { name: 'D', type: T.DOUBLE }],
      values: ['a "b"\n', 1e7], text: 'S: "a \\"b\\"\\n"\nD: 1.0E7\n' },
    { name: 'bytes outside printable ASCII are octal escapes', cols: [{ name: 'B', type: T.BYTES }],
      values: [Buffer.from([0x21, 0xff])], text: 'B: "!\\377"\n' },
    { name: 'structs are indented blocks, one per array element', cols: [{ name: 'A', type: T.array(T.struct([{ name: 'K', type: T.STRING }])) }],
      values: [[{ K: 'x' }, { K: null }]], text: 'A {\n  K: "x"\n}\nA {\n}\n' },
  ])('prints a row as text: $name', ({ cols, values, text }) => {
    const rows = protobufRows(cols);
    expect(protoRowText(rows.schema, rows.encode(values))).toBe(text);
  });

  it('/query answers a pull query with protoSchema and protobufBytes when asked for protobuf', async () => {
    const server = await startLocalServer({ port: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    try {
      const post = (path: string, ksql: string, accept: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ ksql, streamsProperties: {} }) });
      await post('/ksql', "CREATE STREAM S (K INT KEY, TEXT STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1); INSERT INTO S (K, TEXT) VALUES (1, 'a1');", 'application/vnd.ksql.v1+json');
      const res = await post('/query', 'SELECT * FROM S;', 'application/vnd.ksql.v1+protobuf');
      expect(res.status).toBe(200);
      const [head, row, end] = await res.json() as [{ header: { protoSchema: string } }, { row: { protobufBytes: string } }, unknown];
      expect(head.header.protoSchema).toBe('syntax = "proto3";\n\nmessage ConnectDefault1 {\n  int32 K = 1;\n  string TEXT = 2;\n}\n');
      expect(protoRowText(head.header.protoSchema, Buffer.from(row.row.protobufBytes, 'base64'))).toBe('K: 1\nTEXT: "a1"\n');
      expect(end).toEqual({ finalMessage: 'Query Completed' });
    } finally {
      await server.close();
    }
  });
});
