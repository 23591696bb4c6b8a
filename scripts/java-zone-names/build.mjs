// Writes src/engine/functions/java-zone-names.json from a JDK: the names Java's DateTimeFormatter
// writes for the zone letters z and zzzz (Locale.US), and the zone each name parses to.
// Run (needs a JDK 17: javac and java on the PATH): node scripts/java-zone-names/build.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'zone-names-'));
execFileSync('javac', ['-d', out, join(here, 'Names.java')]);
const tsv = execFileSync('java', ['-cp', out, 'Names'], { encoding: 'utf8', maxBuffer: 1 << 26 });
const names = {}, parseShort = {}, parseLong = {};
for (const line of tsv.split('\n')) {
  const f = line.split('\t');
  if (f[0] === 'N' && f[2]) names[f[1]] = f.slice(2, 6);
  if (f[0] === 'P' && f[2]) parseShort[f[1]] = f[2];
  if (f[0] === 'P' && f[3]) parseLong[f[1]] = f[3];
}
const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0];
const target = fileURLToPath(new URL('../../src/engine/functions/java-zone-names.json', import.meta.url));
writeFileSync(target, JSON.stringify({ source: `${java}, Locale.US`, names, parseShort, parseLong }) + '\n');
console.log(`${Object.keys(names).length} zones, ${Object.keys(parseShort).length} short and ${Object.keys(parseLong).length} long names -> ${target}`);
