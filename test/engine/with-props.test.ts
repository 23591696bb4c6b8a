import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { WithProps } from '../../src/engine/catalog/with-props.js';
import type { FormatName } from '../../src/engine/catalog/schema.js';

const withProps = (props: string) => {
  const stmt = parseStatement(`CREATE STREAM S (K INT KEY, V INT) WITH (kafka_topic='t', ${props});`);
  if (stmt.kind !== 'createSource') throw new Error('not a CREATE');
  return WithProps.validate(stmt.props, 'create');
};

describe('value format properties', () => {
  it.each([
    ['KAFKA', 'WRAP_SINGLE_VALUE=true', "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'."],
    ['DELIMITED', 'WRAP_SINGLE_VALUE=true', "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'."],
    ['JSON', "VALUE_DELIMITER='|'", 'JSON does not support the following configs: [delimiter]'],
    ['DELIMITED', "VALUE_DELIMITER='<~>'", "Invalid delimiter value: '<~>'. Delimiter must be a single character or TAB,SPACE"],
  ] as [FormatName, string, string][])('%s with %s fails', (format, props, message) => {
    expect(() => withProps(props).formatInfo(format, false)).toThrow(message);
  });

  it.each([
    ['KAFKA', 'WRAP_SINGLE_VALUE=false', { format: 'KAFKA', wrapSingle: false }],
    ['DELIMITED', "VALUE_DELIMITER='TAB'", { format: 'DELIMITED', delimiter: '\t' }],
  ] as [FormatName, string, object][])('%s with %s is accepted', (format, props, info) => {
    expect(withProps(props).formatInfo(format, false)).toEqual(info);
  });
});
