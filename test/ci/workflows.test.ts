import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CI_DEFAULTS, renderCi } from '../../src/scaffold/ci.js';
import { readTemplate, templateDir } from '../../src/scaffold/files.js';

// No Docker engine here, so the workflows, the action and compose.yaml are checked as a
// reviewer reads them: parsed with `yaml`, every reference followed.

interface Step { name?: string; run?: string; uses?: string; shell?: string; with?: Record<string, unknown>; env?: Record<string, string>; 'working-directory'?: string }
interface Job { env?: Record<string, string>; steps: Step[]; 'timeout-minutes'?: number }
interface Workflow { on: unknown; jobs: Record<string, Job> }
interface Service { image: string; ports?: string[]; environment: Record<string, string | number>; healthcheck?: { test: string[] }; depends_on?: Record<string, unknown> }

const read = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const workflows = readdirSync('.github/workflows').filter((f) => /\.ya?ml$/.test(f)).map((f) => ({ file: f, wf: read<Workflow>(`.github/workflows/${f}`) }));
const action = read<{ inputs: Record<string, { required?: boolean; default?: string }>; runs: { using: string; steps: Step[] } }>('action.yml');
const compose = read<{ services: Record<string, Service> }>('compose.yaml');
const runs = (steps: Step[]) => steps.map((s) => s.run ?? '').join('\n');

/** npm scripts a shell script runs (`npm test`, `npm run [-s] name`). */
function npmScripts(script: string): string[] {
  const names = [...script.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1]!);
  if (/npm test\b/.test(script)) names.push('test');
  return names;
}

/** Paths of the repository a script names: compose files, test files, dist/ entry points (built from src/). */
function repoPaths(script: string): string[] {
  return [...script.matchAll(/(?:^|[\s"'=])((?:\.ci|test|dist|migrations)\/[\w./-]+|compose\.yaml)/g)].map((m) => m[1]!);
}
const exists = (path: string) => existsSync(path) || (path.startsWith('dist/') && existsSync(path.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')));

/** `localhost:<port>` a URL points at. */
const portOf = (url: string) => Number(new URL(url).port);

describe('the project workflows', () => {
  it.each(workflows)('$file: every npm script and file it runs exists', ({ wf }) => {
    for (const [name, job] of Object.entries(wf.jobs)) {
      const script = runs(job.steps);
      for (const s of npmScripts(script)) expect(pkg.scripts[s], `${name}: npm script ${s}`).toBeDefined();
      for (const p of repoPaths(script)) expect(exists(p), `${name}: ${p}`).toBe(true);
      for (const step of job.steps) expect(step.uses ?? '', `${name}: actions are pinned to a version`).toMatch(/^$|@v?\d/);
    }
  });

  it.each(workflows)('$file: every job has a time limit (a hang fails the run, not after GitHub\'s 6 hours)', ({ wf }) => {
    for (const [name, job] of Object.entries(wf.jobs)) expect([name, job['timeout-minutes']]).toEqual([name, expect.any(Number)]);
  });

  it('tests on Node 20, 22 and 24: install, type check, workflow lint, tests, conformance', () => {
    const test = workflows.find((w) => w.file === 'ci.yml')!.wf.jobs.test! as Job & { strategy: { matrix: { node: number[] } } };
    expect(test.strategy.matrix.node).toEqual([20, 22, 24]);
    const script = runs(test.steps);
    for (const s of ['npm ci', 'npm run -s typecheck', 'npm run -s lint:workflows', 'npm test', 'npm run -s conformance']) expect(script).toContain(s);
  });

  it('the integration job reaches ksqlDB on the port compose.yaml publishes, waits for it with ksql-migrate wait, then up and status --exit-code', () => {
    const job = workflows.find((w) => w.file === 'ci.yml')!.wf.jobs.integration!;
    const url = job.env!.KSQLDB_URL!;
    const published = compose.services['ksqldb-server']!.ports!.map((p) => Number(p.split(':')[0]));
    expect(published).toContain(portOf(url));
    const script = runs(job.steps);
    expect(script).toMatch(/docker compose -f compose\.yaml up -d --wait/);
    // the CLI's own wait, before anything talks to the server
    expect(script).toMatch(/main\.js wait --server "\$KSQLDB_URL" --timeout \d+m[\s\S]*vitest run/);
    expect(script).toMatch(/vitest run test\/integration\/cli\.test\.ts test\/integration\/cli-safety\.test\.ts[\s\S]*main\.js up --server "\$KSQLDB_URL"[\s\S]*status --exit-code --server "\$KSQLDB_URL"[\s\S]*GITHUB_STEP_SUMMARY/);
    // services it names (for their logs) are those compose.yaml defines
    const named = script.match(/logs --no-color --tail \d+ ([\w -]+)/)![1]!.trim().split(/\s+/);
    expect(named.sort()).toEqual(Object.keys(compose.services).sort());
    // the integration suites read the same variable, through the helper that picks their server
    expect(readFileSync('test/helpers/project.ts', 'utf8')).toContain('process.env.KSQLDB_URL');
    for (const f of ['cli.test.ts', 'cli-safety.test.ts']) expect(readFileSync(`test/integration/${f}`, 'utf8')).toContain('suiteServer()');
  });
});

describe('compose.yaml', () => {
  const s = compose.services;

  it('pins every image to a version', () => {
    for (const [name, svc] of Object.entries(s)) expect(svc.image, name).toMatch(/^[\w./-]+:\d+(\.\d+)+$/);
  });

  it('each service reaches the others on the hosts and ports they listen on', () => {
    const broker = s.broker!.environment;
    const internal = String(broker.KAFKA_ADVERTISED_LISTENERS).match(/PLAINTEXT:\/\/([\w-]+:\d+)/)![1]!;
    expect(String(broker.KAFKA_LISTENERS)).toContain(`PLAINTEXT://${internal}`);
    expect(String(broker.KAFKA_CONTROLLER_QUORUM_VOTERS)).toBe(`${broker.KAFKA_NODE_ID}@${String(broker.KAFKA_LISTENERS).match(/CONTROLLER:\/\/([\w-]+:\d+)/)![1]}`);
    expect(internal.split(':')[0]).toBe('broker');
    expect(s['schema-registry']!.environment.SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS).toBe(internal);
    expect(s['ksqldb-server']!.environment.KSQL_BOOTSTRAP_SERVERS).toBe(internal);
    const sr = portOf(String(s['schema-registry']!.environment.SCHEMA_REGISTRY_LISTENERS));
    expect(s['ksqldb-server']!.environment.KSQL_KSQL_SCHEMA_REGISTRY_URL).toBe(`http://schema-registry:${sr}`);
    // host ports map to the ports the services listen on, and healthchecks probe those
    const ksql = portOf(String(s['ksqldb-server']!.environment.KSQL_LISTENERS));
    expect(s['ksqldb-server']!.ports).toContain(`${ksql}:${ksql}`);
    expect(s['schema-registry']!.ports).toContain(`${sr}:${sr}`);
    expect(String(broker.KAFKA_LISTENERS)).toMatch(/PLAINTEXT_HOST:\/\/0\.0\.0\.0:9092/);
    expect(s.broker!.ports).toContain('9092:9092');
    expect(s['ksqldb-server']!.healthcheck!.test.join(' ')).toContain(`localhost:${ksql}/healthcheck`);
    expect(s['schema-registry']!.healthcheck!.test.join(' ')).toContain(`localhost:${sr}/`);
    expect(s.broker!.healthcheck!.test.join(' ')).toContain(internal);
  });

  it('starts in order: ksqlDB after a healthy Kafka and Schema Registry', () => {
    expect(Object.keys(s['ksqldb-server']!.depends_on!).sort()).toEqual(['broker', 'schema-registry']);
    expect(Object.keys(s['schema-registry']!.depends_on!)).toEqual(['broker']);
    for (const svc of Object.values(s)) expect(svc.healthcheck).toBeDefined();
  });
});

describe('action.yml', () => {
  const steps = action.runs.steps;
  const text = JSON.stringify(steps);

  it('is a composite action whose steps read exactly the inputs it declares', () => {
    expect(action.runs.using).toBe('composite');
    const read = new Set([...text.matchAll(/inputs\.([\w-]+)/g)].map((m) => m[1]!));
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'command', 'password', 'server-url', 'username', 'working-directory']);
  });

  it('runs every step in bash, reading environment the step itself sets', () => {
    const github = new Set(['GITHUB_STEP_SUMMARY']);
    for (const step of steps) {
      if (!step.run) continue;
      expect(step.shell, step.name).toBe('bash');
      for (const [, v] of step.run.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) {
        if (!github.has(v!)) expect(step.env?.[v!], `${step.name}: $${v}`).toBeDefined();
      }
    }
  });

  it('masks the credentials before anything runs, and passes them by environment, never as arguments', () => {
    expect(steps[0]!.run).toMatch(/::add-mask::\$KSQL_MIGRATE_PASSWORD/);
    expect(steps[0]!.run).toMatch(/::add-mask::\$KSQL_MIGRATE_USERNAME/);
    for (const step of steps) expect(step.run ?? '').not.toMatch(/inputs\.(password|username)/);
  });

  it('builds the CLI it runs and writes the status to the job summary', () => {
    expect(text).toContain('dist/cli/main.js');
    expect(existsSync('src/cli/main.ts')).toBe(true);
    expect(pkg.scripts.build).toBeDefined();
    expect(steps.at(-1)!.run).toMatch(/status[\s\S]*>> "\$GITHUB_STEP_SUMMARY"/);
  });

  it('takes the CLI\'s commands up, validate, status and wait, and writes no status for wait', () => {
    const check = steps.find((s) => s.name === 'Check the command')!.run!;
    expect(check).toMatch(/^\s*up\|validate\|status\|wait\) ;;$/m);
    expect(steps.at(-1)!.run).toMatch(/\[ "\$COMMAND" != wait \] \|\| exit 0[\s\S]*status/);
  });
});

describe('scaffold ci (github)', async () => {
  const [file] = renderCi(await readTemplate(templateDir('ci-github')), CI_DEFAULTS);
  const wf = parse(file!.content.toString('utf8')) as Workflow;

  it('writes one workflow with every placeholder filled', () => {
    expect(file!.path).toBe('.github/workflows/ksql-migrate.yml');
    expect(file!.content.toString('utf8')).not.toMatch(/\{\{\s*\w+\s*\}\}/);
  });

  it('validates on pull requests and applies on pushes to the default branch, through the action, each job with a time limit', () => {
    expect(wf.on).toEqual({ pull_request: null, push: { branches: ['main'] } });
    expect([wf.jobs.validate!['timeout-minutes'], wf.jobs.apply!['timeout-minutes']]).toEqual([30, 60]);
    const uses = (job: Job) => job.steps.find((s) => s.uses === CI_DEFAULTS.action)!;
    expect(uses(wf.jobs.validate!).with!.command).toBe('validate');
    expect(uses(wf.jobs.apply!).with!.command).toBe('up');
  });

  it('gives the action only inputs it declares, every required one, and the secrets it documents', () => {
    for (const job of Object.values(wf.jobs)) {
      const w = job.steps.find((s) => s.uses === CI_DEFAULTS.action)!.with!;
      for (const k of Object.keys(w)) expect(action.inputs[k], k).toBeDefined();
      for (const [k, v] of Object.entries(action.inputs)) if (v.required) expect(w[k], k).toBeDefined();
      expect(w).toMatchObject({ 'server-url': '${{ secrets.KSQLDB_URL }}', username: '${{ secrets.KSQLDB_API_KEY }}', password: '${{ secrets.KSQLDB_API_SECRET }}' });
      for (const step of job.steps) expect(step.uses!, 'actions pinned').toMatch(/@v?\d/);
    }
  });

  it('refuses a provider, action or directory it cannot write', () => {
    expect(() => renderCi([], { ...CI_DEFAULTS, provider: 'gitlab' as 'github' })).toThrow(/--provider/);
    expect(() => renderCi([], { ...CI_DEFAULTS, action: 'no-ref' })).toThrow(/--action/);
    expect(() => renderCi([], { ...CI_DEFAULTS, workingDirectory: '/abs' })).toThrow(/--working-directory/);
  });
});
