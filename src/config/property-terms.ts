// What Confluent's ksql-migrations.properties calls the settings ksql-migrate's messages name.

/** Our settings' names in messages, and what Confluent's properties file calls each (longest names first). */
const PROPERTY_TERMS: [RegExp, string][] = [
  [/\bmetadata\.streamTopic\b/g, 'ksql.migrations.stream.topic.name'],
  [/\bmetadata\.tableTopic\b/g, 'ksql.migrations.table.topic.name'],
  [/\bmetadata\.stream\b/g, 'ksql.migrations.stream.name'],
  [/\bmetadata\.table\b/g, 'ksql.migrations.table.name'],
  [/\bmetadata\.replicas\b/g, 'ksql.migrations.topic.replicas'],
  [/\bmigrations\.dir\b/g, 'ksql.migrations.dir.override'],
  [/\bserver\.url\b/g, 'ksql.server.url'],
  [/\bserver\.username\b/g, 'ksql.auth.basic.username'],
  [/\bserver\.password\b/g, 'ksql.auth.basic.password'],
  [/\bserver\.verifyHost: false\b/g, 'ssl.verify.host=false'],
  [/\bserver\.verifyHost\b/g, 'ssl.verify.host'],
  // (no key of the properties file sets these: they are a ksql-migrate.yaml's)
  [/\bserver\.(caFile|insecure|certFile|keyFile)\b(: true)?/g, "server.$1$2 (in a ksql-migrate.yaml, which ksql-migrate reads instead of the properties file)"],
];

/** A message about settings in the words of Confluent's ksql-migrations.properties (for a project configured by one). */
export function inPropertiesTerms(message: string): string {
  let out = message;
  for (const [re, name] of PROPERTY_TERMS) out = out.replace(re, name);
  return out;
}
