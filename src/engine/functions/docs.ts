// What DESCRIBE FUNCTION says of each built-in function: an overview, and its parameters' names in
// order (an overload with fewer parameters takes the first names; a variadic one repeats the last).
// The words are this project's own; the behaviour they describe is ksqlDB's.

export interface FunctionDoc {
  about: string;
  /** The parameters' names, or the names for an overload's parameter types where a position's meaning depends on its type. */
  params: readonly string[] | ((types: readonly string[]) => string[]);
}

const doc = (about: string, ...params: string[]): FunctionDoc => ({ about, params });

/** LATEST_BY_OFFSET(col[, n][, ignoreNulls]): the second parameter is n when an INT, ignoreNulls when a BOOLEAN. */
const byOffset = (n: string) => (types: readonly string[]) => types.map((t, i) => (i === 0 ? 'column' : t === 'BOOLEAN' ? 'ignoreNulls' : n));

const DOCS: Record<string, FunctionDoc> = {
  // math
  ABS: doc('The absolute value of a number.', 'number'),
  ACOS: doc('The arc cosine of a value, in radians.', 'value'),
  ASIN: doc('The arc sine of a value, in radians.', 'value'),
  ATAN: doc('The arc tangent of a value, in radians.', 'value'),
  ATAN2: doc('The angle, in radians, of the point (x, y) from the positive x axis.', 'y', 'x'),
  CBRT: doc('The cube root of a value.', 'value'),
  CEIL: doc('The smallest integer value not less than the number.', 'number'),
  COS: doc('The cosine of an angle in radians.', 'angle'),
  COSH: doc('The hyperbolic cosine of a value.', 'value'),
  COT: doc('The cotangent of an angle in radians.', 'angle'),
  DEGREES: doc('Converts an angle in radians to degrees.', 'radians'),
  EXP: doc('Euler\'s number e raised to the power of the value.', 'exponent'),
  FLOOR: doc('The largest integer value not greater than the number.', 'number'),
  GEO_DISTANCE: doc('The great-circle distance between two points given as latitude and longitude in degrees, in kilometres unless the unit given is miles.', 'lat1', 'lon1', 'lat2', 'lon2', 'unit'),
  GREATEST: doc('The largest of the values given, ignoring NULLs.', 'value', 'values'),
  LEAST: doc('The smallest of the values given, ignoring NULLs.', 'value', 'values'),
  LN: doc('The natural logarithm of a value.', 'value'),
  LOG: doc('The natural logarithm of a value, or its logarithm to the base given first.', 'base', 'value'),
  PI: doc('The value of pi.'),
  POWER: doc('The base raised to the power of the exponent.', 'base', 'exponent'),
  RADIANS: doc('Converts an angle in degrees to radians.', 'degrees'),
  RANDOM: doc('A random DOUBLE between 0.0 (inclusive) and 1.0 (exclusive).'),
  ROUND: doc('Rounds a number to the nearest whole number, or to the decimal places given.', 'number', 'decimalPlaces'),
  SIGN: doc('The sign of a number: -1, 0 or 1.', 'number'),
  SIN: doc('The sine of an angle in radians.', 'angle'),
  SINH: doc('The hyperbolic sine of a value.', 'value'),
  SQRT: doc('The square root of a value.', 'value'),
  TAN: doc('The tangent of an angle in radians.', 'angle'),
  TANH: doc('The hyperbolic tangent of a value.', 'value'),
  TRUNC: doc('Truncates a number toward zero, to a whole number or to the decimal places given.', 'number', 'decimalPlaces'),
  // strings
  CHR: doc('The character of a Unicode code point, given as a number or as a \\uXXXX string.', 'codePoint'),
  CONCAT: doc('Joins strings (or bytes) end to end; NULLs are skipped.', 'inputs'),
  CONCAT_WS: doc('Joins strings (or bytes) with a separator between them; NULL inputs are skipped.', 'separator', 'inputs'),
  ELT: doc('The n-th of the strings given (1-based), or NULL when n is out of range.', 'n', 'strings'),
  ENCODE: doc('Converts a string from one encoding (hex, utf8, ascii, base64) to another.', 'input', 'inputEncoding', 'outputEncoding'),
  FIELD: doc('The 1-based position of the value among the values that follow, or 0 when absent.', 'value', 'values'),
  INITCAP: doc('Capitalizes the first letter of each word and lower-cases the rest.', 'input'),
  INSTR: doc('The 1-based position of a substring in a string, searching from a position for the n-th occurrence; 0 when not found.', 'str', 'substring', 'position', 'occurrence'),
  LCASE: doc('The string in lower case.', 'input'),
  LEN: doc('The length of a string in characters, or of bytes in bytes.', 'input'),
  LPAD: doc('Pads the input on the left with the padding, repeated, to the given length; a longer input is cut to it.', 'input', 'length', 'padding'),
  MASK: doc('Masks a string: upper-case letters as X, lower-case as x, digits as n and others as -, or as the characters given.', 'input', 'upper', 'lower', 'digit', 'other'),
  MASK_KEEP_LEFT: doc('Masks a string except for its first characters.', 'input', 'numChars', 'upper', 'lower', 'digit', 'other'),
  MASK_KEEP_RIGHT: doc('Masks a string except for its last characters.', 'input', 'numChars', 'upper', 'lower', 'digit', 'other'),
  MASK_LEFT: doc('Masks the first characters of a string.', 'input', 'numChars', 'upper', 'lower', 'digit', 'other'),
  MASK_RIGHT: doc('Masks the last characters of a string.', 'input', 'numChars', 'upper', 'lower', 'digit', 'other'),
  MD5: doc('The MD5 hash of a string, as 32 hexadecimal digits.', 'input'),
  REGEXP_EXTRACT: doc('The part of the string that the Java regular expression matches, or the group given.', 'pattern', 'input', 'group'),
  REGEXP_EXTRACT_ALL: doc('Every part of the string that the Java regular expression matches, or every match of the group given.', 'pattern', 'input', 'group'),
  REGEXP_REPLACE: doc('Replaces every match of the Java regular expression with the replacement.', 'input', 'pattern', 'replacement'),
  REGEXP_SPLIT_TO_ARRAY: doc('Splits a string around the matches of a Java regular expression.', 'input', 'pattern'),
  REPLACE: doc('Replaces every occurrence of a substring with another.', 'input', 'target', 'replacement'),
  RPAD: doc('Pads the input on the right with the padding, repeated, to the given length; a longer input is cut to it.', 'input', 'length', 'padding'),
  SPLIT: doc('Splits a string (or bytes) around a delimiter; an empty delimiter splits into characters.', 'input', 'delimiter'),
  SPLIT_TO_MAP: doc('Splits a string into entries at one delimiter and each entry into key and value at another.', 'input', 'entryDelimiter', 'kvDelimiter'),
  SUBSTRING: doc('The part of a string (or bytes) from a 1-based position (negative counts from the end), to its end or of the length given.', 'input', 'position', 'length'),
  TRIM: doc('The string without leading and trailing whitespace.', 'input'),
  UCASE: doc('The string in upper case.', 'input'),
  UUID: doc('A random UUID, or the UUID of 16 bytes, as a string.', 'bytes'),
  // conditional
  COALESCE: doc('The first of the values that is not NULL.', 'first', 'others'),
  IFNULL: doc('The expression, or the alternative when the expression is NULL.', 'expression', 'altValue'),
  NULLIF: doc('NULL when the two values are equal, else the first.', 'expr1', 'expr2'),
  // arrays
  ARRAY_CONCAT: doc('The elements of the first array followed by those of the second.', 'left', 'right'),
  ARRAY_CONTAINS: doc('Whether the array holds the value.', 'array', 'value'),
  ARRAY_DISTINCT: doc('The array without repeated elements, in first-seen order.', 'array'),
  ARRAY_EXCEPT: doc('The distinct elements of the first array that the second does not hold.', 'left', 'right'),
  ARRAY_INTERSECT: doc('The distinct elements both arrays hold.', 'left', 'right'),
  ARRAY_JOIN: doc('The array\'s elements as text, joined by the delimiter (a comma unless given).', 'array', 'delimiter'),
  ARRAY_LENGTH: doc('The number of elements in the array.', 'array'),
  ARRAY_MAX: doc('The largest element of the array, ignoring NULLs.', 'array'),
  ARRAY_MIN: doc('The smallest element of the array, ignoring NULLs.', 'array'),
  ARRAY_REMOVE: doc('The array without the elements equal to the value.', 'array', 'value'),
  ARRAY_SORT: doc('The array sorted, ascending unless the direction given is DESC.', 'array', 'direction'),
  ARRAY_UNION: doc('The distinct elements of either array.', 'left', 'right'),
  GENERATE_SERIES: doc('The numbers from start to end, inclusive, in steps of 1 or the step given.', 'start', 'end', 'step'),
  SLICE: doc('The elements of the array from one 1-based position to another, inclusive.', 'array', 'from', 'to'),
  // maps
  AS_MAP: doc('A map built from an array of keys and an array of values.', 'keys', 'values'),
  ENTRIES: doc('The map\'s entries as an array of structs with fields K and V, sorted by key when asked.', 'map', 'sorted'),
  MAP_KEYS: doc('The keys of the map.', 'map'),
  MAP_UNION: doc('The entries of both maps; the second map\'s value wins for a key in both.', 'map1', 'map2'),
  MAP_VALUES: doc('The values of the map.', 'map'),
  // lambdas
  FILTER: doc('The elements of an array, or the entries of a map, for which the lambda is true.', 'input', 'predicate'),
  REDUCE: doc('Folds an array or a map into one value, starting from the initial state.', 'input', 'initialState', 'lambda'),
  TRANSFORM: doc('Applies the lambda to each element of an array, or the lambdas to each key and value of a map.', 'input', 'lambda', 'valueLambda'),
  // JSON
  EXTRACTJSONFIELD: doc('The value at a JSONPath in a JSON string, as a string.', 'json', 'path'),
  IS_JSON_STRING: doc('Whether the string is valid JSON.', 'json'),
  JSON_ARRAY_CONTAINS: doc('Whether a JSON array holds the value.', 'jsonArray', 'value'),
  JSON_ARRAY_LENGTH: doc('The number of elements of a JSON array.', 'jsonArray'),
  JSON_CONCAT: doc('Merges JSON objects, or concatenates JSON arrays.', 'json', 'others'),
  JSON_ITEMS: doc('The elements of a JSON array, each as a JSON string.', 'jsonArray'),
  JSON_KEYS: doc('The keys of a JSON object.', 'jsonObject'),
  JSON_RECORDS: doc('The entries of a JSON object, each value as a JSON string.', 'jsonObject'),
  TO_JSON_STRING: doc('The value written as a JSON string.', 'value'),
  // bytes
  BIGINT_FROM_BYTES: doc('A BIGINT read from 8 bytes, big-endian unless LITTLE_ENDIAN is given.', 'bytes', 'byteOrder'),
  DOUBLE_FROM_BYTES: doc('A DOUBLE read from 8 bytes, big-endian unless LITTLE_ENDIAN is given.', 'bytes', 'byteOrder'),
  FROM_BYTES: doc('Bytes written as a string in an encoding (hex, utf8, ascii, base64).', 'bytes', 'encoding'),
  INT_FROM_BYTES: doc('An INT read from 4 bytes, big-endian unless LITTLE_ENDIAN is given.', 'bytes', 'byteOrder'),
  TO_BYTES: doc('A string read as bytes in an encoding (hex, utf8, ascii, base64).', 'input', 'encoding'),
  // dates and times
  CONVERT_TZ: doc('Converts a timestamp from one time zone to another.', 'timestamp', 'fromTimeZone', 'toTimeZone'),
  DATEADD: doc('Adds an interval in a time unit to a date.', 'unit', 'interval', 'date'),
  DATESUB: doc('Subtracts an interval in a time unit from a date.', 'unit', 'interval', 'date'),
  DATETOSTRING: doc('Formats a number of days since the epoch with a Java date pattern.', 'epochDays', 'pattern'),
  FORMAT_DATE: doc('Formats a date with a Java date pattern.', 'date', 'pattern'),
  FORMAT_TIME: doc('Formats a time with a Java time pattern.', 'time', 'pattern'),
  FORMAT_TIMESTAMP: doc('Formats a timestamp with a Java pattern, in UTC or the time zone given.', 'timestamp', 'pattern', 'timeZone'),
  FROM_DAYS: doc('The date a number of days after the epoch.', 'days'),
  FROM_UNIXTIME: doc('The timestamp a number of milliseconds after the epoch.', 'epochMilli'),
  PARSE_DATE: doc('Reads a date from a string with a Java date pattern.', 'input', 'pattern'),
  PARSE_TIME: doc('Reads a time from a string with a Java time pattern.', 'input', 'pattern'),
  PARSE_TIMESTAMP: doc('Reads a timestamp from a string with a Java pattern, in UTC or the time zone given.', 'input', 'pattern', 'timeZone'),
  STRINGTODATE: doc('Reads a date with a Java date pattern, as days since the epoch.', 'input', 'pattern'),
  STRINGTOTIMESTAMP: doc('Reads a timestamp with a Java pattern, as milliseconds since the epoch, in UTC or the time zone given.', 'input', 'pattern', 'timeZone'),
  TIMEADD: doc('Adds an interval in a time unit to a time of day.', 'unit', 'interval', 'time'),
  TIMESTAMPADD: doc('Adds an interval in a time unit to a timestamp.', 'unit', 'interval', 'timestamp'),
  TIMESTAMPSUB: doc('Subtracts an interval in a time unit from a timestamp.', 'unit', 'interval', 'timestamp'),
  TIMESTAMPTOSTRING: doc('Formats milliseconds since the epoch with a Java pattern, in UTC or the time zone given.', 'epochMilli', 'pattern', 'timeZone'),
  TIMESUB: doc('Subtracts an interval in a time unit from a time of day.', 'unit', 'interval', 'time'),
  UNIX_DATE: doc('The days since the epoch of the date given, or of today.', 'date'),
  UNIX_TIMESTAMP: doc('The milliseconds since the epoch of the timestamp given, or of now.', 'timestamp'),
  // URLs
  URL_DECODE_PARAM: doc('Decodes an application/x-www-form-urlencoded string.', 'input'),
  URL_ENCODE_PARAM: doc('Encodes a string as application/x-www-form-urlencoded.', 'input'),
  URL_EXTRACT_FRAGMENT: doc('The fragment of a URL, decoded.', 'url'),
  URL_EXTRACT_HOST: doc('The host of a URL.', 'url'),
  URL_EXTRACT_PARAMETER: doc('The decoded value of the first query parameter of the name given.', 'url', 'parameterName'),
  URL_EXTRACT_PATH: doc('The path of a URL, decoded.', 'url'),
  URL_EXTRACT_PORT: doc('The port of a URL, or NULL when it names none.', 'url'),
  URL_EXTRACT_PROTOCOL: doc('The protocol (scheme) of a URL.', 'url'),
  URL_EXTRACT_QUERY: doc('The query of a URL, decoded.', 'url'),
  // other
  AS_VALUE: doc('Copies a key column into the value, where a CREATE ... AS SELECT would otherwise keep it in the key only.', 'keyColumn'),
  // aggregates
  ATTR: doc('The one value every record of the group has, or NULL when they differ.', 'column'),
  AVG: doc('The average of a column\'s non-NULL values.', 'column'),
  COLLECT_LIST: doc('The values of a column, as an array (up to 1000 unless configured).', 'column'),
  COLLECT_SET: doc('The distinct values of a column, as an array (up to 1000 unless configured).', 'column'),
  CORRELATION: doc('The Pearson correlation coefficient of two columns.', 'x', 'y'),
  COUNT: doc('The number of records (COUNT(*)), or of a column\'s non-NULL values.', 'column'),
  COUNT_DISTINCT: doc('The number of distinct non-NULL values of a column.', 'column'),
  EARLIEST_BY_OFFSET: { about: 'The value of the earliest record by offset, or the earliest n values; NULLs are skipped unless ignoreNulls is false.', params: byOffset('earliestN') },
  HISTOGRAM: doc('How many times each distinct value occurs (up to 1000 values).', 'column'),
  LATEST_BY_OFFSET: { about: 'The value of the latest record by offset, or the latest n values; NULLs are skipped unless ignoreNulls is false.', params: byOffset('latestN') },
  MAX: doc('The largest non-NULL value of a column.', 'column'),
  MIN: doc('The smallest non-NULL value of a column.', 'column'),
  STDDEV_SAMP: doc('The sample variance of a column (as ksqlDB computes STDDEV_SAMP).', 'column'),
  STDDEV_SAMPLE: doc('The sample standard deviation of a column.', 'column'),
  SUM: doc('The sum of a column\'s non-NULL values.', 'column'),
  SUM_LIST: doc('The sum of the elements of every array in a column.', 'list'),
  TOPK: doc('The k largest values of a column, largest first.', 'column', 'k'),
  TOPKDISTINCT: doc('The k largest distinct values of a column, largest first.', 'column', 'k'),
  // table functions
  CUBE_EXPLODE: doc('One row for each combination of the array\'s elements with each of them replaced by NULL.', 'columns'),
  EXPLODE: doc('One row for each element of the array.', 'array'),
};

/** The documentation of a built-in function, by name. */
export const functionDoc = (name: string): FunctionDoc | undefined => DOCS[name.toUpperCase()];

/** The names of an overload's parameters, of these types (a variadic one's last takes the last name); argN where unnamed. */
export function paramNames(d: FunctionDoc | undefined, types: readonly string[], variadic: boolean): string[] {
  const names = !d ? [] : typeof d.params === 'function' ? d.params(types) : d.params;
  return types.map((_, i) => (variadic && i === types.length - 1 && names.length > 0 ? names[Math.min(i, names.length - 1)]! : names[i] ?? `arg${i + 1}`));
}
