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

/**
 * A SOURCE table's query (CST_...), which reads the table's topic into a state store for pull
 * queries and writes no topic: its one step and the topology that materializes it.
 */
export function summarizeSourceTable(queryId: string, ds: DataSource): PlanSummary {
  const root = step('SOURCE', ['KsqlTopic', 'Source'], ds.columns.filter((c) => c.ns !== 'HEADER'), [], { topic: ds.topic, table: true });
  return { executionPlan: planText(root, queryId), topology: topologyText(root, '') };
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
    plan.joinSteps?.forEach((js, i) => {
      const label = i === 0 ? 'Right' : `Right${i}`;
      const suffix = i === 0 ? '' : String(i);
      let left = cur, right = side(sources[i + 1]!, i + 1, label);
      // a side not keyed by its join key is re-keyed by it first, through a repartition topic
      const keyed = (s: Step, name: string, ctx: string): Step => {
        const key: Column = { name, type: js.keyType, ns: 'KEY' };
        return step('REKEY', [ctx], [key, ...s.schema.filter((c) => c.ns !== 'KEY')], [s], { repartition: true });
      };
      if (js.rekeyLeft) left = keyed(left, js.leftKeyName, `LeftSourceKeyed${suffix}`);
      if (js.rekeyRight) right = keyed(right, js.rightKeyName, `RightSourceKeyed${suffix}`);
      // a foreign-key join keeps the left table's key
      const schema = [...left.schema.filter((c) => c.ns === 'KEY'), ...left.schema.filter((c) => c.ns !== 'KEY'), ...right.schema.filter((c) => c.ns !== 'KEY')];
      cur = step('JOIN', [`Join${suffix}`], schema, [left, right], { joinKind: js.kind });
    });
  }
  if (q.where) cur = step('FILTER', ['WhereFilter'], cur.schema, [cur]);
  const keysOut = outColumns.filter((c) => c.ns === 'KEY');
  if (q.partitionBy && !partitionsByNull(q)) {
    // the new key columns lead; the old ones move into the value
    const kept = cur.schema.filter((c) => !keysOut.some((k) => k.name === c.name));
    cur = step('REKEY', ['PartitionBy'], [...keysOut, ...kept.filter((c) => c.ns !== 'KEY'), ...kept.filter((c) => c.ns === 'KEY').map((c) => ({ ...c, ns: 'VALUE' as const }))], [cur]);
  }
  // a table function's results join the row as KSQL_SYNTH_n columns, which the projection names
  if (plan.flatMaps) {
    const synth = outColumns.filter((c) => c.ns !== 'KEY' && !cur.schema.some((x) => x.name === c.name)).map((c, i) => ({ name: `KSQL_SYNTH_${i}`, type: c.type, ns: 'VALUE' as const }));
    cur = step('FLAT_MAP', ['FlatMap'], [...cur.schema, ...synth], [cur]);
  }
  if (q.groupBy) {
    const values = cur.schema.filter((c) => c.ns !== 'KEY');
    cur = step('PROJECT', ['Aggregate', 'Prepare'], cur.schema, [cur]);
    // a table's GROUP BY always goes through a repartition topic (KTable.groupBy), a stream's when it changes the key
    const tableInput = isJoin ? plan.joinSteps?.at(-1)?.kind.startsWith('table') === true : sources[0]!.type === 'TABLE';
    cur = step('GROUP_BY', ['Aggregate', 'GroupBy'], [...keysOut, ...values], [cur], { repartition: plan.repartition || tableInput, table: tableInput });
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
  /**
   * A foreign-key join, as Kafka Streams runs it: the left table registers each row's subscription
   * to its foreign key through a topic; the right side keeps the subscriptions, joins them with its
   * rows and answers through another topic, which the left side resolves against its own rows.
   */
  const foreignKeyJoin = (l: TNode, r: TNode, leftStore?: string, rightStore?: string): TNode => {
    const id = () => String(counter++).padStart(10, '0');
    const registration = `KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-${id()}-topic`, response = `KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-${id()}-topic`;
    const subscriptions = `KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-${id()}`;
    const register = proc(`KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-${id()}`, [], l);
    node('Sink', `KTABLE-SINK-${id()}`, `(topic: ${registration})`, l.group, [register]);
    const registered = node('Source', `KSTREAM-SOURCE-${id()}`, `(topics: [${registration}])`, r.group, []);
    const subscribe = proc(`KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-${id()}`, [subscriptions], registered);
    const joined = proc(`KTABLE-FK-JOIN-SUBSCRIPTION-JOIN-FOREIGN-${id()}`, rightStore ? [rightStore] : [], subscribe);
    const foreign = proc(`KTABLE-FK-JOIN-FOREIGN-JOIN-SUBSCRIPTION-${id()}`, [subscriptions], r);
    node('Sink', `KTABLE-SINK-${id()}`, `(topic: ${response})`, r.group, [joined, foreign]);
    const answered = node('Source', `KSTREAM-SOURCE-${id()}`, `(topics: [${response}])`, l.group, []);
    return proc(`KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-${id()}`, leftStore ? [leftStore] : [], answered);
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
        if (s.joinKind === 'table-fk') return foreignKeyJoin(l, r, storeOf(s.sources[0]!), storeOf(s.sources[1]!));
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
        const agg = proc(auto(s.sources[0]!.table ? 'KTABLE-AGGREGATE' : 'KSTREAM-AGGREGATE'), [`${name}-Materialize`], input);
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
