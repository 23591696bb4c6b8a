import { createHash, randomUUID } from 'node:crypto';
import { Writer } from './wire.js';
import type { TopicStore } from '../storage/topics.js';
import { isStorageFailure } from '../storage/journal.js';
import type { InternalCompactor } from './internal-compaction.js';

export const GERR = {
  NONE: 0, ILLEGAL_GENERATION: 22, INCONSISTENT_GROUP_PROTOCOL: 23, INVALID_GROUP_ID: 24, UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26, REBALANCE_IN_PROGRESS: 27, MEMBER_ID_REQUIRED: 79, FENCED_INSTANCE_ID: 82, OFFSET_METADATA_TOO_LARGE: 12, NON_EMPTY_GROUP: 68, GROUP_ID_NOT_FOUND: 69,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  /** What Kafka's coordinator answers when __consumer_offsets cannot be written (its KAFKA_STORAGE_ERROR becomes this): clients find the coordinator again and retry. */
  NOT_COORDINATOR: 16,
} as const;

/**
 * Runs a change written to __consumer_offsets; NOT_COORDINATOR when the data dir takes no more writes
 * (what was not written is not made), as Kafka's coordinator answers a failed offsets append.
 */
function written(change: () => number): number {
  try { return change(); } catch (e) { if (isStorageFailure(e)) return GERR.NOT_COORDINATOR; throw e; }
}

export interface JoinRequest {
  groupId: string; memberId: string; clientId: string; sessionTimeoutMs: number; rebalanceTimeoutMs: number;
  protocolType: string; protocols: { name: string; metadata: Buffer }[]; requireKnownMemberId: boolean;
  /** A static member's group.instance.id (KIP-345), from JoinGroup v5; null for a dynamic member. */
  instanceId?: string | null;
  /** The address the member connects from, as DescribeGroups shows it. */
  clientHost?: string;
}
export interface JoinResult {
  errorCode: number; generationId: number; protocolName: string; leader: string; memberId: string;
  members: { memberId: string; instanceId?: string; metadata: Buffer }[];
}

interface Member {
  id: string; clientId: string; sessionTimeoutMs: number; rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[]; lastSeen: number; instanceId?: string; clientHost?: string;
  join?: (r: JoinResult) => void; sync?: (r: { errorCode: number; assignment: Buffer }) => void; assignment: Buffer;
}

interface Group {
  id: string; state: 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';
  generation: number; protocolType: string; protocol: string; leader: string;
  members: Map<string, Member>; rebalanceDeadline?: NodeJS.Timeout;
  /** Static members: group.instance.id to the member id that holds it now. */
  statics: Map<string, string>;
  /** The rebalance timeout passed: the join completes with the members that rejoined (and static ones that did not). */
  joinTimedOut?: boolean;
}

const INT64_MAX = 2n ** 63n - 1n;

/** A member as its group's record in __consumer_offsets keeps it (Kafka's GroupMetadata value: buffers as base64). */
interface SavedMember {
  id: string; instanceId?: string; clientId: string; clientHost?: string; sessionTimeoutMs: number; rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: string }[]; assignment: string;
}
/**
 * A group's record there: the protocol type its members joined with and, once a rebalance completed,
 * its generation, protocol, leader and members (none once it is empty), as Kafka's coordinator stores
 * a group after each rebalance, so that a restart finds the members in their places. Records written
 * before members were kept hold the protocol type alone.
 */
interface SavedGroup { protocolType: string; generation?: number; protocol?: string; leader?: string; members?: SavedMember[] }

function isSavedMember(v: unknown): v is SavedMember {
  if (v === null || typeof v !== 'object') return false;
  const m = v as Record<string, unknown>;
  return typeof m.id === 'string' && typeof m.clientId === 'string' && Number.isInteger(m.sessionTimeoutMs) && Number.isInteger(m.rebalanceTimeoutMs)
    && typeof m.assignment === 'string' && Array.isArray(m.protocols)
    && m.protocols.every((p: unknown) => p !== null && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string' && typeof (p as { metadata?: unknown }).metadata === 'string')
    && (m.instanceId === undefined || typeof m.instanceId === 'string') && (m.clientHost === undefined || typeof m.clientHost === 'string');
}

/** Where committed offsets live: the internal topic a broker keeps them in. */
export const OFFSETS_TOPIC = '__consumer_offsets';

/**
 * The group's protocol, as Kafka's coordinator selects it: of the protocols every member supports,
 * each member votes for the one it prefers most, and the most votes win (a tie goes to the one
 * the first member prefers).
 */
export function selectProtocol(members: readonly { protocols: readonly { name: string }[] }[]): string {
  const common = members[0]?.protocols.map((p) => p.name).filter((n) => members.every((m) => m.protocols.some((p) => p.name === n))) ?? [];
  const votes = new Map<string, number>(common.map((n) => [n, 0]));
  for (const m of members) {
    const choice = m.protocols.find((p) => votes.has(p.name));
    if (choice) votes.set(choice.name, votes.get(choice.name)! + 1);
  }
  let best = '', most = 0;
  for (const [name, n] of votes) if (n > most) { best = name; most = n; }
  return best;
}

/** The key of a committed offset's record in __consumer_offsets. */
const offsetRecordKey = (group: string, topic: string, partition: number) => Buffer.from(JSON.stringify([group, topic, partition]));
/** The key of a group's own record there: the protocol type its members joined with (Kafka's group metadata). */
const groupRecordKey = (group: string) => Buffer.from(JSON.stringify([group]));

/**
 * A consumer group the server itself holds: a persistent query's, whose Kafka Streams consumer reads
 * its sources (the local server runs it in the engine, not through this coordinator). It shows as
 * ksqlDB's does to Kafka tools: a stable consumer group of one member, its committed offsets the
 * query's position, so `kafka-consumer-groups --describe` measures a query's lag.
 */
export interface HostedGroup {
  groupId: string;
  /** Next offset to read, per source partition. */
  offsets: { topic: string; partition: number; offset: number }[];
}

/**
 * The group coordinator of the one-node cluster: membership, generations, the leader's assignment
 * handed to every member, heartbeats and session expiry, and committed offsets. Offsets are
 * written to `__consumer_offsets` as records, so they survive a restart with `--data-dir`.
 */
export class GroupCoordinator {
  /**
   * The groups the server holds itself (persistent queries'), none unless set: their ids, cheap to
   * list, and one group with its offsets, worked out only when that group is asked for (a client's
   * commit or fetch asks whether its group is one).
   */
  hosted: { ids: () => string[]; get: (id: string) => HostedGroup | undefined } = { ids: () => [], get: () => undefined };
  private hostedGroup(id: string): HostedGroup | undefined { return this.hosted.get(id); }

  private groups = new Map<string, Group>();
  /** Committed offsets, exact: an offset is any int64 a client sends, kept as one. */
  private offsets = new Map<string, { offset: bigint; metadata: string | null }>();
  /**
   * The protocol type each group's members joined with, kept in __consumer_offsets: a group known only
   * from there (after a restart) still lists as a consumer group; one only ever committed to (a
   * simple group) has none, as in Kafka.
   */
  private protocolTypes = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  /**
   * `compactor` keeps __consumer_offsets to about the latest record of each key, as Kafka's log cleaner
   * does. Every `cleanupIntervalMs` (Kafka's offsets.retention.check.interval.ms, 10 minutes) the groups
   * left empty with no committed offsets are removed, as Kafka's coordinator moves them to Dead.
   */
  constructor(private readonly topics: TopicStore, private readonly compactor?: InternalCompactor, cleanupIntervalMs = 600_000) {
    const t = topics.get(OFFSETS_TOPIC) ?? topics.create(OFFSETS_TOPIC, { partitions: 1, replicas: 1, cleanupPolicy: 'compact' });
    // (each group's latest record that names members: the group as its last rebalance left it)
    const saved = new Map<string, SavedGroup>();
    for (const r of t.partitions[0]!.all()) {
      const group = this.applyCommit(r.key, r.value);
      if (group) { if (group.members) saved.set(group.id, group.members); else saved.delete(group.id); }
    }
    this.restoreGroups(saved);
    // a deleted topic takes its committed offsets with it, as Kafka's coordinator drops them: a
    // topic made again under the name starts with none (a tombstone per offset keeps it so)
    topics.onTopic((e) => { if (e.op === 'delete') this.forgetTopic(e.name); });
    this.timer = setInterval(() => this.expireSessions(), 250);
    this.timer.unref();
    this.cleanupTimer = setInterval(() => this.removeDeadGroups(), cleanupIntervalMs);
    this.cleanupTimer.unref();
  }
  private readonly cleanupTimer: NodeJS.Timeout;

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.cleanupTimer);
    for (const g of this.groups.values()) if (g.rebalanceDeadline) clearTimeout(g.rebalanceDeadline);
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) { g = { id, state: 'Empty', generation: 0, protocolType: '', protocol: '', leader: '', members: new Map(), statics: new Map() }; this.groups.set(id, g); }
    return g;
  }

  join(req: JoinRequest): Promise<JoinResult> {
    const fail = (errorCode: number, memberId = req.memberId): Promise<JoinResult> =>
      Promise.resolve({ errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] });
    if (!req.groupId) return fail(GERR.INVALID_GROUP_ID);
    // a query's group runs Kafka Streams' protocol ("stream"), which no plain consumer's matches
    if (this.hostedGroup(req.groupId)) return fail(GERR.INCONSISTENT_GROUP_PROTOCOL);
    // the broker's group.min.session.timeout.ms and group.max.session.timeout.ms defaults
    if (req.sessionTimeoutMs < 6000 || req.sessionTimeoutMs > 1_800_000) return fail(GERR.INVALID_SESSION_TIMEOUT);
    if (!req.protocolType || req.protocols.length === 0) return fail(GERR.INCONSISTENT_GROUP_PROTOCOL);
    const g = this.group(req.groupId);
    if (g.members.size && (g.protocolType !== req.protocolType || !req.protocols.some((p) => [...g.members.values()].every((m) => m.protocols.some((q) => q.name === p.name))))) {
      return fail(GERR.INCONSISTENT_GROUP_PROTOCOL);
    }
    let memberId = req.memberId;
    const instanceId = req.instanceId ?? undefined;
    if (!memberId && instanceId !== undefined) {
      // a static member joins without learning its id first; one that comes back takes its old place
      memberId = `${instanceId}-${randomUUID()}`;
      const back = this.replaceStatic(g, instanceId, memberId, req);
      if (back) return back;
    } else if (!memberId) {
      memberId = `${req.clientId || 'consumer'}-${randomUUID()}`;
      // since JoinGroup v4 a new member first learns its id, then joins with it
      if (req.requireKnownMemberId) { this.pendingIds.add(memberId); return fail(GERR.MEMBER_ID_REQUIRED, memberId); }
    } else if (this.fenced(g, instanceId, memberId)) {
      return fail(GERR.FENCED_INSTANCE_ID);
    } else if (!g.members.has(memberId) && !this.pendingIds.has(memberId)) {
      // an id the group does not know (a member whose session ran out, even of a group now empty or
      // new: a coordinator makes a group only for a member without an id) joins again without it
      return fail(GERR.UNKNOWN_MEMBER_ID);
    }
    this.pendingIds.delete(memberId);
    g.protocolType = req.protocolType;
    if (this.protocolTypes.get(g.id) !== req.protocolType) this.keep(groupRecordKey(g.id), Buffer.from(JSON.stringify({ protocolType: req.protocolType })));
    const member: Member = g.members.get(memberId) ?? { id: memberId, clientId: req.clientId, sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, protocols: [], lastSeen: Date.now(), assignment: Buffer.alloc(0) };
    member.protocols = req.protocols; member.sessionTimeoutMs = req.sessionTimeoutMs; member.rebalanceTimeoutMs = req.rebalanceTimeoutMs; member.lastSeen = Date.now();
    member.clientHost = req.clientHost;
    if (instanceId !== undefined) { member.instanceId = instanceId; g.statics.set(instanceId, memberId); }
    g.members.set(memberId, member);
    return new Promise((resolve) => {
      member.join = resolve;
      this.prepareRebalance(g);
      this.maybeCompleteJoin(g);
    });
  }

  /** Whether `instanceId` belongs to another member now (a newer instance of it joined): FENCED_INSTANCE_ID. */
  private fenced(g: Group | undefined, instanceId: string | null | undefined, memberId: string): boolean {
    if (!g || instanceId === null || instanceId === undefined) return false;
    const holder = g.statics.get(instanceId);
    return holder !== undefined && holder !== memberId;
  }

  /**
   * A static member that joins again under a known group.instance.id (after a restart) replaces its
   * old member: the old one's pending calls are fenced, the new id takes its assignment. In a stable
   * group a member with the same protocols (the leader too) goes on in the current generation
   * without a rebalance (KIP-345); otherwise the join goes the usual way. Returns the answer when it
   * is immediate.
   */
  private replaceStatic(g: Group, instanceId: string, memberId: string, req: JoinRequest): Promise<JoinResult> | undefined {
    const oldId = g.statics.get(instanceId);
    const old = oldId === undefined ? undefined : g.members.get(oldId);
    if (!old || oldId === undefined) return undefined;
    const fencedJoin: JoinResult = { errorCode: GERR.FENCED_INSTANCE_ID, generationId: -1, protocolName: '', leader: '', memberId: oldId, members: [] };
    old.join?.(fencedJoin);
    old.sync?.({ errorCode: GERR.FENCED_INSTANCE_ID, assignment: Buffer.alloc(0) });
    const sameProtocols = old.protocols.length === req.protocols.length && old.protocols.every((p, i) => p.name === req.protocols[i]!.name && p.metadata.equals(req.protocols[i]!.metadata));
    g.members.delete(oldId);
    g.members.set(memberId, { ...old, id: memberId, clientId: req.clientId, clientHost: req.clientHost, join: undefined, sync: undefined, lastSeen: Date.now() });
    g.statics.set(instanceId, memberId);
    const wasLeader = g.leader === oldId;
    if (wasLeader) g.leader = memberId;
    if (g.state !== 'Stable' || !sameProtocols) return undefined;
    // the new id goes on in the current generation: a restart finds it, not the fenced one
    this.saveGroup(g);
    // the leader too goes on without a rebalance: it is answered with its old id as the leader's, so
    // it does not take itself for the leader and assign again (a stable group would not pass a new
    // assignment on), as Kafka's coordinator answers before JoinGroup v9's SkipAssignment
    return Promise.resolve({ errorCode: GERR.NONE, generationId: g.generation, protocolName: g.protocol, leader: wasLeader ? oldId : g.leader, memberId, members: [] });
  }

  /** Ids handed out with MEMBER_ID_REQUIRED, welcome on the next join. */
  private pendingIds = new Set<string>();

  private prepareRebalance(g: Group): void {
    if (g.state === 'PreparingRebalance') return;
    g.state = 'PreparingRebalance';
    // members waiting in SyncGroup of the old generation are told to rejoin
    for (const m of g.members.values()) if (m.sync) { m.sync({ errorCode: GERR.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) }); m.sync = undefined; }
    const timeout = Math.max(...[...g.members.values()].map((m) => m.rebalanceTimeoutMs), 0);
    if (g.rebalanceDeadline) clearTimeout(g.rebalanceDeadline);
    g.rebalanceDeadline = setTimeout(() => {
      // members that did not rejoin in time leave the group; static ones keep their place (and their
      // partitions, the leader assigns them too) until their session times out, as KIP-345 has it
      for (const [id, m] of g.members) if (!m.join && m.instanceId === undefined) g.members.delete(id);
      g.joinTimedOut = true;
      this.maybeCompleteJoin(g);
    }, timeout);
    g.rebalanceDeadline.unref();
  }

  private maybeCompleteJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    const members = [...g.members.values()];
    if (members.length === 0) { g.state = 'Empty'; return; }
    const joined = members.filter((m) => m.join);
    // every member rejoined; or the timeout passed and only static members are missing
    if (joined.length < members.length && !(g.joinTimedOut && joined.length > 0 && members.every((m) => m.join || m.instanceId !== undefined))) return;
    g.joinTimedOut = false;
    if (g.rebalanceDeadline) { clearTimeout(g.rebalanceDeadline); g.rebalanceDeadline = undefined; }
    g.generation++;
    g.protocol = selectProtocol(members);
    if (!g.members.get(g.leader)?.join) g.leader = joined[0]!.id;
    g.state = 'CompletingRebalance';
    for (const m of joined) {
      const join = m.join!;
      m.join = undefined;
      join({
        errorCode: GERR.NONE, generationId: g.generation, protocolName: g.protocol, leader: g.leader, memberId: m.id,
        members: m.id === g.leader ? members.map((x) => ({ memberId: x.id, instanceId: x.instanceId, metadata: x.protocols.find((p) => p.name === g.protocol)!.metadata })) : [],
      });
    }
  }

  sync(groupId: string, generation: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[], instanceId?: string | null): Promise<{ errorCode: number; assignment: Buffer }> {
    const g = this.groups.get(groupId);
    if (this.fenced(g, instanceId, memberId)) return Promise.resolve({ errorCode: GERR.FENCED_INSTANCE_ID, assignment: Buffer.alloc(0) });
    const m = g?.members.get(memberId);
    if (!g || !m) return Promise.resolve({ errorCode: GERR.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) });
    if (generation !== g.generation) return Promise.resolve({ errorCode: GERR.ILLEGAL_GENERATION, assignment: Buffer.alloc(0) });
    if (g.state === 'PreparingRebalance') return Promise.resolve({ errorCode: GERR.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
    m.lastSeen = Date.now();
    if (g.state === 'Stable') return Promise.resolve({ errorCode: GERR.NONE, assignment: m.assignment });
    return new Promise((resolve) => {
      m.sync = resolve;
      if (memberId === g.leader) {
        for (const x of g.members.values()) x.assignment = assignments.find((a) => a.memberId === x.id)?.assignment ?? Buffer.alloc(0);
        g.state = 'Stable';
        this.saveGroup(g);
        for (const x of g.members.values()) if (x.sync) { x.sync({ errorCode: GERR.NONE, assignment: x.assignment }); x.sync = undefined; }
      }
    });
  }

  heartbeat(groupId: string, generation: number, memberId: string, instanceId?: string | null): number {
    const g = this.groups.get(groupId);
    if (this.fenced(g, instanceId, memberId)) return GERR.FENCED_INSTANCE_ID;
    const m = g?.members.get(memberId);
    if (!g || !m) return GERR.UNKNOWN_MEMBER_ID;
    m.lastSeen = Date.now();
    // a stale generation is told so first, as Kafka's coordinator checks it before the group's state
    if (generation !== g.generation) return GERR.ILLEGAL_GENERATION;
    if (g.state === 'PreparingRebalance') return GERR.REBALANCE_IN_PROGRESS;
    return GERR.NONE;
  }

  /** A member leaves; a static one may be named by its group.instance.id alone (an admin's removal). */
  leave(groupId: string, memberId: string, instanceId?: string | null): number {
    const g = this.groups.get(groupId);
    if (g && instanceId !== null && instanceId !== undefined) {
      const holder = g.statics.get(instanceId);
      if (holder === undefined) return GERR.UNKNOWN_MEMBER_ID;
      if (memberId && holder !== memberId) return GERR.FENCED_INSTANCE_ID;
      memberId = holder;
    }
    if (!g || !g.members.has(memberId)) return GERR.UNKNOWN_MEMBER_ID;
    this.removeMember(g, memberId);
    return GERR.NONE;
  }

  private removeMember(g: Group, memberId: string): void {
    const instanceId = g.members.get(memberId)?.instanceId;
    if (instanceId !== undefined && g.statics.get(instanceId) === memberId) g.statics.delete(instanceId);
    g.members.delete(memberId);
    if (g.members.size === 0) { g.state = 'Empty'; g.generation++; if (g.rebalanceDeadline) clearTimeout(g.rebalanceDeadline); this.saveGroup(g); return; }
    this.prepareRebalance(g);
    this.maybeCompleteJoin(g);
  }

  private expireSessions(): void {
    const now = Date.now();
    for (const g of this.groups.values()) {
      for (const m of [...g.members.values()]) {
        // a member parked in JoinGroup is waiting on us, not silent
        if (!m.join && now - m.lastSeen > m.sessionTimeoutMs) this.removeMember(g, m.id);
      }
    }
  }

  /** Commits an offset; a member of a group must be in its current generation. */
  commit(groupId: string, generation: number, memberId: string, topic: string, partition: number, offset: bigint, metadata: string | null, instanceId?: string | null): number {
    const g = this.groups.get(groupId);
    if (this.fenced(g, instanceId, memberId)) return GERR.FENCED_INSTANCE_ID;
    // the broker's offset.metadata.max.bytes
    if (metadata !== null && Buffer.byteLength(metadata) > 4096) return GERR.OFFSET_METADATA_TOO_LARGE;
    // a group with members takes commits from its members only. A group this coordinator does not know
    // takes any commit: Kafka's would refuse a generation for a group it never saw, but a group whose
    // record was written before members were kept in it comes back with its offsets only, so members
    // of before such a restart commit here as they would there
    if (g && generation < 0 && g.members.size > 0) return GERR.UNKNOWN_MEMBER_ID;
    // a query's group takes commits from its own member only (its query)
    const hosted = this.hostedGroup(groupId);
    if (hosted) return GERR.UNKNOWN_MEMBER_ID;
    // a generation for a group never seen (no members, no offsets, never joined) is a zombie's or a
    // deleted group's: Kafka's coordinator creates a group on a commit only for generation -1
    if (!g && generation >= 0 && !this.protocolTypes.has(groupId) && this.committedPartitions(groupId).length === 0) return GERR.ILLEGAL_GENERATION;
    if (generation >= 0 && g) {
      if (!g.members.has(memberId)) return GERR.UNKNOWN_MEMBER_ID;
      if (generation !== g.generation) return GERR.ILLEGAL_GENERATION;
      // as Kafka's coordinator: a member may still commit while the group prepares a rebalance (what
      // it processed stays processed); between the join and the sync it may not
      if (g.state === 'CompletingRebalance') return GERR.REBALANCE_IN_PROGRESS;
    }
    return written(() => { this.store(groupId, topic, partition, offset, metadata); return GERR.NONE; });
  }

  /**
   * Commits an offset a transaction committed (TxnOffsetCommit, then EndTxn): it names no member or
   * generation, so it is taken whatever members the group has, as Kafka's coordinator takes it.
   */
  commitFromTransaction(groupId: string, topic: string, partition: number, offset: bigint, metadata: string | null): void {
    this.store(groupId, topic, partition, offset, metadata);
  }

  private store(groupId: string, topic: string, partition: number, offset: bigint, metadata: string | null): void {
    const key = offsetRecordKey(groupId, topic, partition);
    // a commit without metadata is kept with "", as Kafka's coordinator keeps it (OffsetAndMetadata.NoMetadata)
    const value = Buffer.from(JSON.stringify({ offset: String(offset), metadata: metadata ?? '' }));
    this.write(key, value);
  }

  /** Appends a record to __consumer_offsets and takes it in. */
  private write(key: Buffer, value: Buffer | null): void {
    this.topics.append(OFFSETS_TOPIC, { key, value, timestamp: Date.now(), partition: 0 }, 'external');
    this.applyCommit(key, value);
    this.compactor?.wrote(OFFSETS_TOPIC);
  }

  /** DeleteGroups of one group: NON_EMPTY_GROUP (68) while it has members, GROUP_ID_NOT_FOUND (69) when unknown. */
  deleteGroup(groupId: string): number {
    if (this.hostedGroup(groupId)) return GERR.NON_EMPTY_GROUP;
    const g = this.groups.get(groupId);
    if (g && g.members.size > 0) return GERR.NON_EMPTY_GROUP;
    return written(() => {
      const dropped = this.dropOffsets((group) => group === groupId);
      if (!g && dropped === 0 && !this.protocolTypes.has(groupId)) return GERR.GROUP_ID_NOT_FOUND;
      if (this.protocolTypes.has(groupId)) this.write(groupRecordKey(groupId), null);
      this.groups.delete(groupId);
      return GERR.NONE;
    });
  }

  /**
   * OffsetDelete (KIP-496) of one group: an empty group loses the offsets asked for; a consumer group
   * with members keeps those of topics a member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC each) and
   * loses the others; a group of another protocol with members is NON_EMPTY_GROUP; an unknown one
   * GROUP_ID_NOT_FOUND. Returns the group's error and each partition's.
   */
  deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): { error: number; partitions: number[] } {
    const hosted = this.hostedGroup(groupId);
    if (hosted) {
      const read = new Set(hosted.offsets.map((o) => o.topic));
      return { error: GERR.NONE, partitions: partitions.map((p) => (read.has(p.topic) ? GERR.GROUP_SUBSCRIBED_TO_TOPIC : GERR.NONE)) };
    }
    const g = this.groups.get(groupId);
    if (!g && !this.protocolTypes.has(groupId) && this.committedPartitions(groupId).length === 0) return { error: GERR.GROUP_ID_NOT_FOUND, partitions: [] };
    let subscribed = new Set<string>();
    if (g && g.members.size > 0) {
      if (g.protocolType !== 'consumer') return { error: GERR.NON_EMPTY_GROUP, partitions: [] };
      subscribed = new Set([...g.members.values()].flatMap((m) => m.protocols.filter((p) => !g.protocol || p.name === g.protocol).flatMap((p) => subscribedTopics(p.metadata))));
    }
    const errors = partitions.map(({ topic, partition }) => {
      if (subscribed.has(topic)) return GERR.GROUP_SUBSCRIBED_TO_TOPIC;
      if (this.offsets.has(`${groupId}\u0000${topic}\u0000${partition}`)) {
        return written(() => { this.write(offsetRecordKey(groupId, topic, partition), null); return GERR.NONE; });
      }
      return GERR.NONE;
    });
    return { error: GERR.NONE, partitions: errors };
  }

  private forgetTopic(topic: string): void {
    if (topic === OFFSETS_TOPIC) return;
    this.dropOffsets((_g, t) => t === topic);
    this.removeDeadGroups();
  }

  /**
   * Removes every group without members and without committed offsets (a group record's tombstone
   * written where it has one), as Kafka's coordinator moves such a group to Dead when it checks for
   * expired offsets and when partitions are deleted: groups a CI job's consumers made with ids of
   * their own do not pile up. A data dir that takes no more writes keeps them until the next check.
   */
  private removeDeadGroups(): void {
    const hosted = new Set(this.hosted.ids());
    const withOffsets = new Set([...this.offsets.keys()].map((k) => k.slice(0, k.indexOf('\u0000'))));
    for (const id of new Set([...this.groups.keys(), ...this.protocolTypes.keys()])) {
      const g = this.groups.get(id);
      if (hosted.has(id) || withOffsets.has(id) || (g && (g.members.size > 0 || g.state !== 'Empty'))) continue;
      const code = written(() => {
        if (this.protocolTypes.has(id)) this.write(groupRecordKey(id), null);
        return GERR.NONE;
      });
      if (code !== GERR.NONE) return;
      if (g?.rebalanceDeadline) clearTimeout(g.rebalanceDeadline);
      this.groups.delete(id);
    }
  }

  /** Drops the committed offsets `which` picks, with a tombstone for each; returns how many. */
  private dropOffsets(which: (group: string, topic: string) => boolean): number {
    let n = 0;
    for (const k of [...this.offsets.keys()]) {
      const [g, t, p] = k.split('\u0000') as [string, string, string];
      if (!which(g, t)) continue;
      this.write(offsetRecordKey(g, t, Number(p)), null);
      n++;
    }
    return n;
  }

  /** Takes in a record of __consumer_offsets; a group's own record is returned, with what it keeps of members, if any. */
  private applyCommit(key: Buffer | null, value: Buffer | null): { id: string; members: SavedGroup | undefined } | undefined {
    if (!key) return undefined;
    try {
      const parsed = JSON.parse(key.toString()) as [string, string, number] | [string];
      if (parsed.length === 1) {
        const [group] = parsed;
        if (!value) { this.protocolTypes.delete(group); return { id: group, members: undefined }; }
        const saved = JSON.parse(value.toString()) as SavedGroup;
        this.protocolTypes.set(group, saved.protocolType);
        const members = Array.isArray(saved.members) && saved.members.length > 0 && saved.members.every(isSavedMember) && Number.isInteger(saved.generation);
        return { id: group, members: members ? saved : undefined };
      }
      const [g, t, p] = parsed;
      // a tombstone: the offset was dropped with its topic or group
      if (!value) { this.offsets.delete(`${g}\u0000${t}\u0000${p}`); return; }
      const v = JSON.parse(value.toString()) as { offset: number | string; metadata: string | null };
      // (offsets written before they were kept exact are numbers, which may have lost their last digits)
      const offset = BigInt(typeof v.offset === 'number' ? Math.trunc(v.offset) : v.offset);
      this.offsets.set(`${g}\u0000${t}\u0000${p}`, { offset: offset > INT64_MAX ? INT64_MAX : offset < -INT64_MAX - 1n ? -INT64_MAX - 1n : offset, metadata: v.metadata });
    } catch { /* not ours */ }
  }

  /**
   * Keeps the group's generation, protocol, leader and members in its record (none once it is empty),
   * as Kafka's coordinator stores a group when a rebalance completes or it empties.
   */
  private saveGroup(g: Group): void {
    const saved: SavedGroup = {
      protocolType: g.protocolType, generation: g.generation, protocol: g.protocol, leader: g.leader,
      members: [...g.members.values()].map((m) => ({
        id: m.id, instanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost, sessionTimeoutMs: m.sessionTimeoutMs, rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })), assignment: m.assignment.toString('base64'),
      })),
    };
    this.keep(groupRecordKey(g.id), Buffer.from(JSON.stringify(saved)));
  }

  /**
   * Writes a group's own record, where a data dir that takes no more writes keeps the group as it
   * was: a restart goes back to that, and the group goes on meanwhile (a session that ends in a timer
   * must not end the server).
   */
  private keep(key: Buffer, value: Buffer | null): void {
    written(() => { this.write(key, value); return GERR.NONE; });
  }

  /**
   * A restart: each group whose record names members is stable again in its generation, its members
   * in their places with their assignments, each with a new session from now, as Kafka's coordinator
   * loads a group; a member that comes back heartbeats and commits as before, one that does not is
   * dropped when its session ends.
   */
  private restoreGroups(saved: Map<string, SavedGroup>): void {
    const now = Date.now();
    for (const [id, s] of saved) {
      const g = this.group(id);
      g.state = 'Stable'; g.generation = s.generation!; g.protocolType = s.protocolType; g.protocol = s.protocol ?? ''; g.leader = s.leader ?? '';
      for (const m of s.members!) {
        g.members.set(m.id, {
          id: m.id, instanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost, sessionTimeoutMs: m.sessionTimeoutMs, rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          protocols: m.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata, 'base64') })), assignment: Buffer.from(m.assignment, 'base64'), lastSeen: now,
        });
        if (m.instanceId !== undefined) g.statics.set(m.instanceId, m.id);
      }
    }
  }

  committed(groupId: string, topic: string, partition: number): { offset: bigint; metadata: string } {
    const hosted = this.hostedGroup(groupId);
    if (hosted) {
      const o = hosted.offsets.find((x) => x.topic === topic && x.partition === partition);
      return { offset: BigInt(o?.offset ?? -1), metadata: '' };
    }
    const c = this.offsets.get(`${groupId}\u0000${topic}\u0000${partition}`);
    // nothing committed, or committed without metadata (before it was kept as ""): Kafka answers ""
    return { offset: c?.offset ?? -1n, metadata: c?.metadata ?? '' };
  }

  /** What DescribeGroups shows of a group (an unknown group is Dead, as Kafka says). */
  describe(groupId: string): { state: string; protocolType: string; protocol: string; members: { id: string; instanceId?: string; clientId: string; clientHost?: string; metadata: Buffer; assignment: Buffer }[] } {
    const hosted = this.hostedGroup(groupId);
    if (hosted) return describeHosted(hosted);
    const g = this.groups.get(groupId);
    // a group known by its committed offsets only (after a restart, or an admin's commits) is Empty, as
    // Kafka's coordinator loads it from __consumer_offsets
    if (!g) return this.committedPartitions(groupId).length || this.protocolTypes.has(groupId) ? { state: 'Empty', protocolType: this.protocolTypes.get(groupId) ?? '', protocol: '', members: [] } : { state: 'Dead', protocolType: '', protocol: '', members: [] };
    return {
      state: g.state, protocolType: g.protocolType, protocol: g.state === 'Stable' ? g.protocol : '',
      // members' metadata and assignments only in a stable group, as Kafka's summary gives them
      // (during a rebalance the old assignment is no longer current)
      members: [...g.members.values()].map((m) => ({ id: m.id, instanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost, metadata: g.state === 'Stable' ? m.protocols.find((p) => p.name === g.protocol)?.metadata ?? Buffer.alloc(0) : Buffer.alloc(0), assignment: g.state === 'Stable' ? m.assignment : Buffer.alloc(0) })),
    };
  }

  list(): { groupId: string; protocolType: string }[] {
    const ids = new Set([...this.groups.keys(), ...this.protocolTypes.keys(), ...[...this.offsets.keys()].map((k) => k.split('\u0000')[0]!)]);
    const hosted = new Set(this.hosted.ids());
    return [...[...ids].filter((id) => !hosted.has(id)).map((id) => ({ groupId: id, protocolType: this.groups.get(id)?.protocolType || this.protocolTypes.get(id) || '' })), ...[...hosted].map((groupId) => ({ groupId, protocolType: 'consumer' }))];
  }

  /**
   * The partitions each consumer group's members are assigned, by topic (from the consumer protocol's
   * assignments of a stable group); what SHOW TOPICS EXTENDED counts as a topic's consumers.
   */
  consumerAssignments(): { groupId: string; topic: string; partitions: number }[] {
    const out: { groupId: string; topic: string; partitions: number }[] = [];
    for (const [groupId, g] of this.groups) {
      if (g.protocolType !== 'consumer' || g.state !== 'Stable') continue;
      for (const m of g.members.values()) for (const [topic, partitions] of assignedTopics(m.assignment)) out.push({ groupId, topic, partitions });
    }
    return out;
  }

  /** Topics and partitions with an offset committed by the group. */
  committedPartitions(groupId: string): { topic: string; partition: number }[] {
    const hosted = this.hostedGroup(groupId);
    if (hosted) return hosted.offsets.map(({ topic, partition }) => ({ topic, partition }));
    const out: { topic: string; partition: number }[] = [];
    for (const k of this.offsets.keys()) {
      const [g, t, p] = k.split('\u0000');
      if (g === groupId) out.push({ topic: t!, partition: Number(p) });
    }
    return out;
  }
}

/**
 * A query's group as DescribeGroups shows it: stable, one Kafka Streams consumer (client id
 * `<group>-<process id>-StreamThread-1-consumer`, named after the group so it is the same on every
 * call), subscribed to the query's sources and assigned their partitions.
 */
function describeHosted(h: HostedGroup) {
  const id = createHash('md5').update(h.groupId).digest('hex');
  const uuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  const clientId = `${h.groupId}-${uuid(id)}-StreamThread-1-consumer`;
  const topics = new Map<string, number[]>();
  for (const o of h.offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), o.partition]);
  // the consumer protocol's subscription and assignment (version 0, no user data)
  const str = (w: Writer, t: string) => w.string(t);
  const metadata = new Writer().int16(0).array([...topics.keys()], str).bytes(Buffer.alloc(0)).toBuffer();
  const assignment = new Writer().int16(0).array([...topics], (w, [t, ps]) => w.string(t).array(ps, (x, p) => x.int32(p))).bytes(Buffer.alloc(0)).toBuffer();
  return { state: 'Stable', protocolType: 'consumer', protocol: 'stream', members: [{ id: `${clientId}-${uuid(createHash('md5').update(id).digest('hex'))}`, clientId, clientHost: '127.0.0.1', metadata, assignment }] };
}

/** The topics of a consumer protocol subscription (version int16, then [topic string], then user data); none from bytes of another shape. */
export function subscribedTopics(bytes: Buffer): string[] {
  const out: string[] = [];
  try {
    let at = 2;
    const n = bytes.readInt32BE(at); at += 4;
    for (let i = 0; i < n; i++) {
      const len = bytes.readInt16BE(at); at += 2;
      if (len < 0 || at + len > bytes.length) return [];
      out.push(bytes.toString('utf8', at, at + len)); at += len;
    }
  } catch { return []; }
  return out;
}

/**
 * The topics of a consumer protocol assignment and how many of each one's partitions it holds
 * (version int16, then [topic string, [partition int32]], then user data); none from bytes of
 * another shape.
 */
export function assignedTopics(bytes: Buffer): Map<string, number> {
  const out = new Map<string, number>();
  try {
    let at = 2;
    const topics = bytes.readInt32BE(at); at += 4;
    for (let i = 0; i < topics; i++) {
      const len = bytes.readInt16BE(at); at += 2;
      if (len < 0 || at + len > bytes.length) return new Map();
      const topic = bytes.toString('utf8', at, at + len); at += len;
      const n = bytes.readInt32BE(at); at += 4 + 4 * Math.max(0, n);
      if (at > bytes.length) return new Map();
      if (n > 0) out.set(topic, (out.get(topic) ?? 0) + n);
    }
  } catch { return new Map(); }
  return out;
}
