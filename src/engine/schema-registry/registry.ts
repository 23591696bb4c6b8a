import { checkCompatibility } from './compatibility.js';
import { normalizeSchema, schemaIdentity, validateSchema } from './schema-text.js';
import { RegistryError } from './errors.js';

export { RegistryError };

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';
export const SCHEMA_TYPES: SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

export type CompatibilityLevel = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';
const LEVELS: CompatibilityLevel[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

/** A schema this one imports (Protobuf `import "x.proto"`, Avro named types, JSON `$ref`). */
export interface SchemaReference { name: string; subject: string; version: number }

export interface SchemaInput { schema: string; schemaType?: SchemaType; references?: SchemaReference[] }

export interface RegisteredSchema { id: number; schema: string; schemaType: SchemaType; references: SchemaReference[] }

export interface SubjectVersion extends RegisteredSchema { subject: string; version: number }

/**
 * What the formats need from a registry: schemas by id, and the schemas they reference; and, for a
 * source that registers its schema when it first writes (as Confluent's serializers do), registering.
 */
export interface SchemaLookup {
  schemaById(id: number): RegisteredSchema;
  version(subject: string, version: number | 'latest'): SubjectVersion;
  register?(subject: string, input: SchemaInput): number;
}


export const subjectNotFound = (s: string) => new RegistryError(404, 40401, `Subject '${s}' not found.`);
const versionNotFound = (v: number | string) => new RegistryError(404, 40402, `Version ${v} not found.`);
const schemaNotFound = (id?: number) => new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`);
const invalidLevel = () => new RegistryError(422, 42203, 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive');

/** A change to the registry, as the data dir's journal records it. */
export type RegistryChange =
  | { op: 'register'; subject: string; version: number; id: number; schema: string; schemaType: SchemaType; references: SchemaReference[] }
  | { op: 'delete'; subject: string; version?: number; permanent: boolean }
  | { op: 'config'; subject?: string; level?: CompatibilityLevel }
  | { op: 'mode'; subject?: string; mode?: Mode };

/** Schema Registry modes: READONLY refuses writes, IMPORT takes schemas with the ids they come with. */
export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT';
const MODES: Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

interface VersionEntry { version: number; id: number; deleted: boolean }

/**
 * An in-memory Schema Registry with Confluent's semantics: a schema text gets one id across
 * subjects, registering the same schema again under a subject returns its existing id, versions
 * count from 1 per subject, deletes are soft first, and new versions must pass the subject's
 * compatibility level (BACKWARD unless configured).
 */
export class SchemaRegistry implements SchemaLookup {
  private readonly byId = new Map<number, RegisteredSchema>();
  private readonly subjects = new Map<string, VersionEntry[]>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel = 'BACKWARD';
  private readonly subjectModes = new Map<string, Mode>();
  private globalMode: Mode = 'READWRITE';
  private nextId = 1;
  private readonly listeners: ((c: RegistryChange) => void)[] = [];

  /** New schemas get ids from `first` on (a copy whose own ids must not meet those it copies in). */
  reserveIdsFrom(first: number): void { this.nextId = Math.max(this.nextId, first); }

  /** Sets aside the next id, for a schema registered later with that id (before the references it names). */
  reserveId(): number { return this.nextId++; }
  private readonly reservedFor = new Map<string, number>();
  /** Sets aside the next id for the first schema registered under a subject (ksqlDB's test harness order). */
  reserveFor(subject: string): void { this.reservedFor.set(subject, this.nextId++); }

  /** Every change, e.g. for the journal. */
  onChange(fn: (c: RegistryChange) => void): void { this.listeners.push(fn); }
  /**
   * Tells the listeners (the journal) of a change before it is made: one that cannot keep it throws,
   * and the registry is left as it was, so a change that was not kept is never served.
   */
  private emit(c: RegistryChange): void { for (const l of this.listeners) l(c); }

  /** A copy to validate statements against without touching this registry. */
  clone(): SchemaRegistry {
    const r = new SchemaRegistry();
    for (const [k, v] of this.byId) r.byId.set(k, v);
    for (const [k, v] of this.subjects) r.subjects.set(k, v.map((e) => ({ ...e })));
    for (const [k, v] of this.subjectLevels) r.subjectLevels.set(k, v);
    for (const [k, v] of this.subjectModes) r.subjectModes.set(k, v);
    r.globalLevel = this.globalLevel; r.globalMode = this.globalMode; r.nextId = this.nextId;
    return r;
  }

  listSubjects(includeDeleted = false): string[] {
    return [...this.subjects].filter(([, vs]) => vs.some((v) => includeDeleted || !v.deleted)).map(([s]) => s).sort();
  }

  versions(subject: string, includeDeleted = false): number[] {
    const vs = this.live(subject, includeDeleted);
    return vs.map((v) => v.version);
  }

  version(subject: string, version: number | 'latest', includeDeleted = false): SubjectVersion {
    const vs = this.live(subject, includeDeleted);
    const e = version === 'latest' ? vs[vs.length - 1] : vs.find((v) => v.version === version);
    if (!e) throw versionNotFound(version);
    return { subject, version: e.version, ...this.byId.get(e.id)! };
  }

  /** A schema by id, for the server's own readers: records written with it stay readable. */
  schemaById(id: number): RegisteredSchema {
    const s = this.byId.get(id);
    if (!s) throw schemaNotFound(id);
    return s;
  }

  /** A schema by id as GET /schemas/ids answers: one whose every version was deleted for good is gone (soft-deleted ones stay). */
  publishedSchemaById(id: number): RegisteredSchema {
    const s = this.schemaById(id);
    if (![...this.subjects.values()].some((vs) => vs.some((v) => v.id === id))) throw schemaNotFound(id);
    return s;
  }

  /** The subjects and versions that hold a schema id. */
  usagesOf(id: number, includeDeleted = false): { subject: string; version: number }[] {
    this.schemaById(id);
    const out: { subject: string; version: number }[] = [];
    for (const [subject, vs] of this.subjects) for (const v of vs) if (v.id === id && (includeDeleted || !v.deleted)) out.push({ subject, version: v.version });
    return out;
  }

  /** Finds the version of a subject that holds this schema (POST /subjects/{s}). */
  lookup(subject: string, input: SchemaInput, includeDeleted = false): SubjectVersion {
    // a schema that does not parse is refused (42201), as registering it would be
    validateSchema(normalizeSchema(input.schema, input.schemaType ?? 'AVRO'), input.schemaType ?? 'AVRO', this.referencedSchemas(input.references ?? []));
    const vs = this.live(subject, includeDeleted);
    const key = this.keyOf({ schema: input.schema, schemaType: input.schemaType ?? 'AVRO', references: input.references ?? [] });
    const hit = vs.find((v) => this.keyOf(this.byId.get(v.id)!) === key);
    if (!hit) throw schemaNotFound();
    return { subject, version: hit.version, ...this.byId.get(hit.id)! };
  }

  /**
   * Registers a schema under a subject and returns its id; the same schema again returns the same id.
   * `id` forces an id (ksqlDB's test harness and the journal's replay set them).
   */
  register(subject: string, input: SchemaInput, given?: number, givenVersion?: number): number {
    this.checkWritable(subject);
    // IMPORT mode copies a registry with its history: the ids and versions given, no compatibility check
    const importing = this.modeOf(subject) === 'IMPORT';
    const id = given ?? this.reservedFor.get(subject);
    const schemaType = input.schemaType ?? 'AVRO';
    const references = input.references ?? [];
    // a reference to a subject or version there is not makes the schema unreadable: 42201, as Confluent's
    // parser reports it
    for (const r of references) {
      try { this.version(r.subject, r.version); } catch (e) {
        if (e instanceof RegistryError && e.status === 404) throw new RegistryError(422, 42201, `Invalid schema ${input.schema}, details: No schema reference found for subject "${r.subject}" and version ${r.version}`);
        throw e;
      }
    }
    const schema = normalizeSchema(input.schema, schemaType);
    const key = this.keyOf({ schema, schemaType, references });
    const vs = this.subjects.get(subject) ?? [];
    const existing = vs.find((v) => !v.deleted && this.keyOf(this.byId.get(v.id)!) === key);
    if (existing) return existing.id;
    // a schema the subject already has was checked when it was first registered
    validateSchema(schema, schemaType, this.referencedSchemas(references));
    const level = this.levelOf(subject);
    const live = vs.filter((v) => !v.deleted);
    const asVersion = importing || givenVersion !== undefined ? givenVersion : undefined;
    if (asVersion !== undefined && vs.some((v) => v.version === asVersion)) {
      throw new RegistryError(409, 409, `Version ${asVersion} of subject "${subject}" already holds another schema`);
    }
    if (level !== 'NONE' && live.length && !importing) {
      const against = level.endsWith('TRANSITIVE') ? live : live.slice(-1);
      const problems = against.flatMap((v) => checkCompatibility(level, this.withRefs(this.byId.get(v.id)!), { schema, schemaType, references, refs: this.referencedSchemas(references) }));
      if (problems.length) throw new RegistryError(409, 409, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${problems.join(', ')}]`);
    }
    let schemaId = id ?? [...this.byId.values()].find((s) => this.keyOf(s) === key)?.id;
    if (schemaId === undefined) { schemaId = this.nextId; }
    if (id !== undefined && this.byId.has(id) && this.keyOf(this.byId.get(id)!) !== key) {
      throw new RegistryError(422, 42207, `Error while registering schema: schema id ${id} is already used by another schema`);
    }
    const version = asVersion ?? (vs[vs.length - 1]?.version ?? 0) + 1;
    this.emit({ op: 'register', subject, version, id: schemaId, schema, schemaType, references });
    this.nextId = Math.max(this.nextId, schemaId + 1);
    // (an id's text never changes: the same schema written otherwise, under another subject, keeps the first text)
    if (!this.byId.has(schemaId)) this.byId.set(schemaId, { id: schemaId, schema, schemaType, references });
    this.reservedFor.delete(subject);
    vs.push({ version, id: schemaId, deleted: false });
    vs.sort((x, y) => x.version - y.version);
    this.subjects.set(subject, vs);
    return schemaId;
  }

  /** Deletes a subject (soft, then permanent); returns the deleted versions. */
  deleteSubject(subject: string, permanent = false): number[] {
    this.checkWritable(subject);
    const vs = this.subjects.get(subject);
    if (!vs || vs.length === 0) throw subjectNotFound(subject);
    if (!permanent) this.refuseIfReferenced(subject, vs.filter((v) => !v.deleted).map((v) => v.version));
    if (permanent) {
      if (vs.some((v) => !v.deleted)) throw new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`);
      this.emit({ op: 'delete', subject, permanent });
      this.subjects.delete(subject);
      this.subjectLevels.delete(subject);
      return vs.map((v) => v.version);
    }
    if (vs.every((v) => v.deleted)) throw new RegistryError(404, 40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`);
    const live = vs.filter((v) => !v.deleted);
    this.emit({ op: 'delete', subject, permanent });
    for (const v of live) v.deleted = true;
    return live.map((v) => v.version);
  }

  deleteVersion(subject: string, version: number | 'latest', permanent = false): number {
    this.checkWritable(subject);
    const vs = this.subjects.get(subject);
    if (!vs || vs.length === 0) throw subjectNotFound(subject);
    const pool = permanent ? vs : vs.filter((v) => !v.deleted);
    const e = version === 'latest' ? pool[pool.length - 1] : pool.find((v) => v.version === version);
    if (!e && !permanent && vs.some((v) => v.version === version)) throw new RegistryError(404, 40406, `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`);
    if (!e) throw versionNotFound(version);
    // a version another schema references stays, as Confluent's registry keeps it
    if (!e.deleted) this.refuseIfReferenced(subject, [e.version]);
    if (permanent) {
      if (!e.deleted) throw new RegistryError(404, 40407, `Subject '${subject}' Version ${e.version} was not deleted first before being permanently deleted`);
      this.emit({ op: 'delete', subject, version: e.version, permanent });
      vs.splice(vs.indexOf(e), 1);
      if (vs.length === 0) this.subjects.delete(subject);
    } else {
      this.emit({ op: 'delete', subject, version: e.version, permanent });
      e.deleted = true;
    }
    return e.version;
  }

  /** The subject's own level, or undefined when it has none (GET /config/{s} without defaultToGlobal). */
  subjectLevel(subject: string): CompatibilityLevel | undefined { return this.subjectLevels.get(subject); }
  levelOf(subject?: string): CompatibilityLevel { return (subject && this.subjectLevels.get(subject)) || this.globalLevel; }

  setLevel(level: string, subject?: string): CompatibilityLevel {
    const l = level.toUpperCase() as CompatibilityLevel;
    if (!LEVELS.includes(l)) throw invalidLevel();
    this.emit({ op: 'config', subject, level: l });
    if (subject) this.subjectLevels.set(subject, l); else this.globalLevel = l;
    return l;
  }

  /** Sets the global level back to the default (DELETE /config); returns the level it had. */
  resetLevel(): CompatibilityLevel {
    const l = this.globalLevel;
    this.emit({ op: 'config', level: 'BACKWARD' });
    this.globalLevel = 'BACKWARD';
    return l;
  }

  /** A subject's own mode, or undefined (GET /mode/{s} without defaultToGlobal). */
  subjectMode(subject: string): Mode | undefined { return this.subjectModes.get(subject); }
  modeOf(subject?: string): Mode { return (subject && this.subjectModes.get(subject)) || this.globalMode; }

  /**
   * Sets the mode of a subject or the registry. IMPORT is for an empty registry (or subject), as
   * Confluent's refuses it where schemas exist, unless `force`.
   */
  setMode(mode: string, subject?: string, force = false): Mode {
    const m = String(mode).toUpperCase() as Mode;
    if (!MODES.includes(m)) throw new RegistryError(422, 42204, 'Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT.');
    if (m === 'IMPORT' && !force && (subject ? this.listSubjects().includes(subject) : this.listSubjects().length > 0)) {
      throw new RegistryError(422, 42205, 'Cannot import since found existing subjects');
    }
    this.emit({ op: 'mode', subject, mode: m });
    if (subject) this.subjectModes.set(subject, m); else this.globalMode = m;
    return m;
  }

  /** Removes a subject's own mode; returns the mode it had. */
  clearMode(subject: string): Mode {
    const m = this.subjectModes.get(subject);
    if (!m) throw new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`);
    this.emit({ op: 'mode', subject });
    this.subjectModes.delete(subject);
    return m;
  }

  /** A READONLY subject (or registry) takes no writes. */
  checkWritable(subject: string): void {
    const m = this.modeOf(subject);
    if (m === 'READONLY' || m === 'READONLY_OVERRIDE') throw new RegistryError(422, 42205, `Subject ${subject} is in read-only mode`);
  }

  /** Removes a subject's own level; returns the level it had. */
  clearLevel(subject: string): CompatibilityLevel {
    const l = this.subjectLevels.get(subject);
    if (!l) throw new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
    this.emit({ op: 'config', subject });
    this.subjectLevels.delete(subject);
    return l;
  }

  /** The texts of the schemas a registered one references, by the names it imports them as. */
  importsOf(s: RegisteredSchema): Map<string, string> {
    return new Map(this.referencedSchemas(s.references).map((x) => [x.name, x.schema]));
  }

  /** A registered schema with the texts of the schemas it references, for checks that parse it. */
  private withRefs(s: RegisteredSchema): RegisteredSchema & { refs: { name: string; schema: string }[] } {
    return { ...s, refs: this.referencedSchemas(s.references) };
  }

  /** The ids of live schemas that reference a subject's version (GET .../referencedby). */
  referencedBy(subject: string, version: number | 'latest'): number[] {
    const v = this.version(subject, version).version;
    const ids = new Set<number>();
    for (const vs of this.subjects.values()) {
      for (const e of vs) {
        if (e.deleted) continue;
        if (this.byId.get(e.id)!.references.some((r) => r.subject === subject && r.version === v)) ids.add(e.id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  private refuseIfReferenced(subject: string, versions: number[]): void {
    for (const v of versions) {
      if (this.referencedBy(subject, v).length) throw new RegistryError(422, 42206, `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${v}}.`);
    }
  }

  private referencedSchemas(references: SchemaReference[], out: { name: string; schema: string }[] = []): { name: string; schema: string }[] {
    for (const r of references) {
      if (out.some((o) => o.name === r.name)) continue;
      const v = this.version(r.subject, r.version);
      this.referencedSchemas(v.references, out);
      out.push({ name: r.name, schema: v.schema });
    }
    return out;
  }

  /** Checks a schema against one version (or, for transitive levels and 'latest', as registering would). */
  testCompatibility(subject: string, version: number | 'latest' | 'levels', input: SchemaInput): string[] {
    const level = this.levelOf(subject);
    const schema: RegisteredSchema = { id: 0, schema: normalizeSchema(input.schema, input.schemaType ?? 'AVRO'), schemaType: input.schemaType ?? 'AVRO', references: input.references ?? [] };
    // a schema that does not parse is refused (42201) before any comparison, as registering would refuse it
    validateSchema(schema.schema, schema.schemaType, this.referencedSchemas(schema.references));
    const vs = this.subjects.get(subject);
    // with no version to compare with ('latest' of a subject with none, as Confluent's resource takes
    // it), any schema is compatible (registering it would succeed); a version named is not found
    if (!vs || vs.every((v) => v.deleted)) {
      if (version === 'levels' || version === 'latest') return [];
      throw new RegistryError(404, 40402, `Version ${version} not found.`);
    }
    // the version named is looked up first: one that does not exist is 40402 whatever the level
    const target = this.version(subject, version === 'levels' ? 'latest' : version);
    if (level === 'NONE') return [];
    // a named version (latest included) is the one compared with; without one, the level says which
    const against = version === 'levels' && level.endsWith('TRANSITIVE') ? vs.filter((v) => !v.deleted).map((v) => this.byId.get(v.id)!) : [target];
    return against.flatMap((old) => checkCompatibility(level, this.withRefs(old), { ...schema, refs: this.referencedSchemas(schema.references) }));
  }

  /** Replays a journaled change. */
  apply(c: RegistryChange): void {
    if (c.op === 'register') this.register(c.subject, c, c.id, c.version);
    else if (c.op === 'mode') { if (c.mode) this.setMode(c.mode, c.subject, true); else if (c.subject) { try { this.clearMode(c.subject); } catch { /* none set */ } } }
    else if (c.op === 'delete') { try { if (c.version === undefined) this.deleteSubject(c.subject, c.permanent); else this.deleteVersion(c.subject, c.version, c.permanent); } catch { /* already gone */ } }
    else if (c.level) this.setLevel(c.level, c.subject);
    else if (c.subject) { try { this.clearLevel(c.subject); } catch { /* none set */ } }
  }

  private live(subject: string, includeDeleted: boolean): VersionEntry[] {
    const vs = (this.subjects.get(subject) ?? []).filter((v) => includeDeleted || !v.deleted);
    if (vs.length === 0) throw subjectNotFound(subject);
    return vs;
  }

  private keyOf(s: { schema: string; schemaType: SchemaType; references: SchemaReference[] }): string {
    return `${s.schemaType}\u0000${schemaIdentity(s.schema, s.schemaType)}\u0000${JSON.stringify(s.references)}`;
  }
}
