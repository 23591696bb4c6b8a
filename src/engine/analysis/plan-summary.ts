import type { Query } from '../sql/ast.js';
import { typeToString, T } from '../sql/types.js';
import type { DataSource } from '../catalog/metastore.js';
import { keyColumns, valueColumns, type Column } from '../catalog/schema.js';
import type { QueryPlan } from './planner.js';
import { partitionsByNull } from './plan-util.js';

/**
 * EXPLAIN's `executionPlan` and `topology` of a persistent query: the execution steps ksqlDB's
 * planner makes for its shape (source, join, filter, re-key, group, aggregate, project, sink), each
 * with its schema and logger name, and the Kafka Streams topology those steps become (its
 * processors, state stores, and the repartition topics that split it into sub-topologies), both in
 * the text layout ksqlDB prints them.
 */
export interface PlanSummary { executionPlan: string; topology: string }

type Op = 'SOURCE' | 'PROJECT' | 'FILTER' | 'REKEY' | 'JOIN' | 'FLAT_MAP' | 'GROUP_BY' | 'AGGREGATE' | 'SUPPRESS' | 'SINK';

interface Step {
  op: Op;
  /** The step's query context: its logger name under the query id, its processor name in the topology. */
  context: string[];
  schema: Column[];
  sources: Step[];
  /** SOURCE: the topic read and whether it is a table's; JOIN: the kind; GROUP_BY: whether it repartitions. */
  topic?: string;
  table?: boolean;
  joinKind?: string;
  repartition?: boolean;
}

export interface SummaryInput {
  queryId: string;
  query: Query;
  plan: QueryPlan;
  /** None for a push query: its rows go to the client. */
  sink?: { name: string; topic: string; type: 'STREAM' | 'TABLE'; columns: Column[] };
}

export function summarizePlan({ queryId, query: q, plan, sink }: SummaryInput): PlanSummary {
  const root = steps(q, plan, sink);
  return { executionPlan: planText(root, queryId), topology: topologyText(root, sink?.topic ?? '') };
}

const step = (op: Op, context: string[], schema: Column[], sources: Step[], extra: Partial<Step> = {}): Step => ({ op, context, schema, sources, ...extra });

const PSEUDO: Column[] = [{ name: 'ROWTIME', type: T.BIGINT, ns: 'VALUE' }, { name: 'ROWPARTITION', type: T.INTEGER, ns: 'VALUE' }, { name: 'ROWOFFSET', type: T.BIGINT, ns: 'VALUE' }];

function steps(q: Query, plan: QueryPlan, sink: SummaryInput['sink']): Step {
  const outColumns: Column[] = sink?.columns ?? plan.columns.map((c) => ({ name: c.name, type: c.type, ns: c.isKey ? 'KEY' : 'VALUE' }));
  const sources = plan.sources;
  const isJoin = sources.length > 1;
  const aliases = [q.from.alias ?? q.from.name, ...q.joins.map((j) => j.right.alias ?? j.right.name)];
  const sourceStep = (ds: DataSource, label: string): Step => step('SOURCE', [label, 'Source'], ds.columns.filter((c) => c.ns !== 'HEADER'), [], { topic: ds.topic, table: ds.type === 'TABLE' });
  let cur: Step;
  if (!isJoin) cur = sourceStep(sources[0]!, 'KsqlTopic');
  else {
    // each side's columns take its alias as prefix; the result so far is the left side of the next join
    const side = (ds: DataSource, i: number, label: string): Step => {
      const alias = aliases[i]!;
      const prefixed = (c: Column, ns: Column['ns']): Column => ({ name: `${alias}_${c.name}`, type: c.type, ns });
      const schema = [...keyColumns(ds.columns).map((c) => prefixed(c, 'KEY')), ...valueColumns(ds.columns).map((c) => prefixed(c, 'VALUE')),
        ...PSEUDO.map((c) => prefixed(c, 'VALUE')), ...keyColumns(ds.columns).map((c) => prefixed(c, 'VALUE'))];
      return step('PROJECT', [`PrependAlias${label}`], schema, [sourceStep(ds, `KafkaTopic_${label}`)]);
    };
    cur = side(sources[0]!, 0, 'Left');
    plan.joinKinds?.forEach((kind, i) => {
      const label = i === 0 ? 'Right' : `Right${i}`;
      let left = cur, right = side(sources[i + 1]!, i + 1, label);
      if (plan.repartition && i === 0 && kind !== 'table-fk') {
        // a join not on the key re-keys its stream sides first, through a repartition topic, by the ON expressions
        const on = q.joins[0]!.on;
        const [lx, rx] = on.t === 'cmp' ? (on.l.t === 'col' && on.l.source === aliases[1] ? [on.r, on.l] : [on.l, on.r]) : [undefined, undefined];
        const keyed = (s: Step, x: typeof lx, alias: string, ctx: string): Step => {
          const key: Column = { name: x?.t === 'col' ? `${alias}_${x.name}` : 'KSQL_COL_0', type: plan.joinKeyType ?? T.STRING, ns: 'KEY' };
          return step('REKEY', [ctx], [key, ...s.schema.filter((c) => c.ns !== 'KEY')], [s], { repartition: true });
        };
        left = keyed(left, lx, aliases[0]!, 'LeftSourceKeyed');
        if (kind === 'stream-stream') right = keyed(right, rx, aliases[1]!, 'RightSourceKeyed');
      }
      const schema = [...left.schema.filter((c) => c.ns === 'KEY'), ...left.schema.filter((c) => c.ns !== 'KEY'), ...right.schema.filter((c) => c.ns !== 'KEY')];
      cur = step('JOIN', [i === 0 ? 'Join' : `Join${i}`], schema, [left, right], { joinKind: kind });
    });
  }
  if (q.where) cur = step('FILTER', ['WhereFilter'], cur.schema, [cur]);
  const keysOut = outColumns.filter((c) => c.ns === 'KEY');
  if (q.partitionBy && !partitionsByNull(q)) {
    // the new key columns lead; the old ones move into the value
    const kept = cur.schema.filter((c) => !keysOut.some((k) => k.name === c.name));
    cur = step('REKEY', ['PartitionBy'], [...keysOut, ...kept.filter((c) => c.ns !== 'KEY'), ...kept.filter((c) => c.ns === 'KEY').map((c) => ({ ...c, ns: 'VALUE' as const }))], [cur]);
  }
  if (plan.flatMaps) cur = step('FLAT_MAP', ['FlatMap'], cur.schema, [cur]);
  if (q.groupBy) {
    const values = cur.schema.filter((c) => c.ns !== 'KEY');
    cur = step('PROJECT', ['Aggregate', 'Prepare'], cur.schema, [cur]);
    cur = step('GROUP_BY', ['Aggregate', 'GroupBy'], [...keysOut, ...values], [cur], { repartition: plan.repartition });
    cur = step('AGGREGATE', ['Aggregate', 'Aggregate'], outColumns, [cur]);
    if (q.having) cur = step('FILTER', ['Aggregate', 'HavingFilter'], cur.schema, [cur]);
    cur = step('PROJECT', ['Aggregate', 'Project'], outColumns, [cur]);
    if (q.emit === 'FINAL') cur = step('SUPPRESS', ['Suppress'], outColumns, [cur]);
  } else {
    cur = step('PROJECT', ['Project'], outColumns, [cur]);
  }
  return sink ? step('SINK', [sink.name], sink.columns, [cur], { table: sink.type === 'TABLE' }) : cur;
}

/** A schema as ksqlDB's LogicalSchema prints it: `NAME TYPE[ KEY]`, comma-separated. */
const schemaText = (cols: Column[]): string => cols.map((c) => `${c.name} ${typeToString(c.type)}${c.ns === 'KEY' ? ' KEY' : ''}`).join(', ');

function planText(root: Step, queryId: string): string {
  let out = '';
  const walk = (s: Step, indent: string) => {
    out += `${indent} > [ ${s.op} ] | Schema: ${schemaText(s.schema)} | Logger: ${[...(queryId ? [queryId] : []), ...s.context].join('.')}\n`;
    for (const src of s.sources) walk(src, `${indent}\t\t`);
  };
  walk(root, '');
  return out;
}

interface TNode { kind: 'Source' | 'Processor' | 'Sink'; name: string; detail: string; next: TNode[]; prev: TNode[]; group: number }

/**
 * The Kafka Streams topology of the steps, in TopologyDescription's layout: one sub-topology per
 * part between repartition topics, each node with its successors (-->) and predecessors (<--).
 */
function topologyText(root: Step, sinkTopic: string): string {
  let counter = 0, groups = 0;
  const auto = (prefix: string) => `${prefix}-${String(counter++).padStart(10, '0')}`;
  const nodes: TNode[] = [];
  const node = (kind: TNode['kind'], name: string, detail: string, group: number, prev: TNode[]): TNode => {
    const n: TNode = { kind, name, detail, next: [], prev, group };
    for (const p of prev) p.next.push(n);
    nodes.push(n);
    return n;
  };
  const proc = (name: string, stores: string[], prev: TNode) => node('Processor', name, `(stores: [${stores.join(', ')}])`, prev.group, [prev]);
  /** A repartition topic: the sub-topology so far ends in its sink, a new one starts at its source. */
  const repartition = (prefix: string, prev: TNode): TNode => {
    const topic = `${prefix}-repartition`;
    node('Sink', `${topic}-sink`, `(topic: ${topic})`, prev.group, [prev]);
    return node('Source', `${topic}-source`, `(topics: [${topic}])`, groups++, []);
  };
  // the last node of each step, built sources first
  const build = (s: Step): TNode => {
    const name = s.context.join('-');
    switch (s.op) {
      case 'SOURCE': {
        const src = node('Source', auto('KSTREAM-SOURCE'), `(topics: [${s.topic}])`, groups++, []);
        if (!s.table) return proc(auto('KSTREAM-TRANSFORMVALUES'), [], src);
        const table = proc(auto('KTABLE-SOURCE'), [`${s.context[0]}-Reduce`], src);
        return proc(auto('KTABLE-TRANSFORMVALUES'), [], table);
      }
      case 'REKEY': {
        const keyed = proc(`${name}-SelectKey`, [], build(s.sources[0]!));
        return s.repartition ? repartition(name, keyed) : keyed;
      }
      case 'GROUP_BY': {
        const grouped = proc(name, [], build(s.sources[0]!));
        return s.repartition ? repartition(name, grouped) : grouped;
      }
      case 'JOIN': {
        const [l, r] = s.sources.map(build) as [TNode, TNode];
        // both sides meet in one sub-topology: the right side's nodes join the left's
        const merge = (from: number, to: number) => { for (const n of nodes) if (n.group === from) n.group = to; };
        if (l.group !== r.group) merge(r.group, l.group);
        if (s.joinKind === 'stream-stream') {
          const a = proc(`${name}-this-windowed`, [`KSTREAM-JOINTHIS-${String(counter).padStart(10, '0')}-store`], l);
          const b = proc(`${name}-other-windowed`, [`KSTREAM-JOINOTHER-${String(counter + 1).padStart(10, '0')}-store`], r);
          counter += 2;
          const j1 = proc(`${name}-this-join`, [`KSTREAM-JOINOTHER-${String(counter - 1).padStart(10, '0')}-store`], a);
          const j2 = proc(`${name}-other-join`, [`KSTREAM-JOINTHIS-${String(counter - 2).padStart(10, '0')}-store`], b);
          return node('Processor', `${name}-merge`, '(stores: [])', l.group, [j1, j2]);
        }
        const stores = s.sources.filter((x) => storeOf(x)).map((x) => storeOf(x)!);
        return node('Processor', name, `(stores: [${stores.join(', ')}])`, l.group, [l, r]);
      }
      case 'AGGREGATE': {
        const input = build(s.sources[0]!);
        const agg = proc(auto('KSTREAM-AGGREGATE'), [`${name}-Materialize`], input);
        return proc(`${name}-ToOutputSchema`, [], agg);
      }
      case 'SUPPRESS': return proc(name, [`${name}-store`], build(s.sources[0]!));
      case 'SINK': {
        let last = build(s.sources[0]!);
        if (s.table) last = proc(auto('KTABLE-TOSTREAM'), [], last);
        return node('Sink', auto('KSTREAM-SINK'), `(topic: ${sinkTopic})`, last.group, [last]);
      }
      default: return proc(name, [], build(s.sources[0]!));
    }
  };
  build(root);
  const names = (ns: TNode[]) => (ns.length ? ns.map((n) => n.name).join(', ') : 'none');
  // sub-topologies in the order of their first input: a repartition topic's source is made with the
  // step that reads it, after every input that step joins
  const first = new Map<number, number>();
  nodes.forEach((n, i) => { if (!n.name.endsWith('-repartition-source') && !first.has(n.group)) first.set(n.group, i); });
  const ids = [...new Set(nodes.map((n) => n.group))].sort((a, b) => first.get(a)! - first.get(b)!);
  let out = 'Topologies:\n';
  ids.forEach((g, i) => {
    out += `   Sub-topology: ${i}\n`;
    for (const n of nodes.filter((x) => x.group === g)) {
      out += `    ${n.kind}: ${n.name} ${n.detail}\n`;
      if (n.kind !== 'Sink') out += `      --> ${names(n.next)}\n`;
      if (n.kind !== 'Source') out += `      <-- ${names(n.prev)}\n`;
    }
    out += '\n';
  });
  return out;
}

/** The state store a join reads a side from: a table side's source store. */
function storeOf(s: Step): string | undefined {
  let cur: Step | undefined = s;
  while (cur && cur.op !== 'SOURCE') cur = cur.sources[0];
  return cur?.table ? `${cur.context[0]}-Reduce` : undefined;
}
