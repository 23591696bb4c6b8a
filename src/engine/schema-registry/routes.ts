import { RegistryError, SCHEMA_TYPES, type RegisteredSchema, type SchemaInput, type SchemaRegistry, type SchemaType, type SubjectVersion } from './registry.js';
import { serializedProto } from './proto-descriptor.js';

export interface RegistryRequest { method: string; path: string; query: URLSearchParams; body?: unknown }
/** `raw`: the body is this text as it is (the endpoints that return a schema unescaped), not JSON. */
export interface RegistryResponse { status: number; body: unknown; raw?: boolean }

export const SR_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const ok = (body: unknown): RegistryResponse => ({ status: 200, body });
/** A schema's text as the response body, unescaped, as Confluent's `/schema` endpoints return it. */
const schemaText = (text: string): RegistryResponse => ({ status: 200, body: text, raw: true });
const fail = (status: number, errorCode: number, message: string): RegistryResponse => ({ status, body: { error_code: errorCode, message } });

/**
 * Confluent Schema Registry's REST API over a registry: the routes clients use (serializers,
 * ksqlDB, the CLI tools). Pure request -> response; the HTTP listener lives in server.ts.
 */
export function handleRegistryRequest(registry: SchemaRegistry, req: RegistryRequest): RegistryResponse {
  try {
    // a path the registry serves, asked with another method, is 405 (Jersey's answer), not 404
    return route(registry, req) ?? (knownPath(req.path) && req.method !== 'OPTIONS' ? fail(405, 405, 'HTTP 405 Method Not Allowed') : fail(404, 404, 'HTTP 404 Not Found'));
  } catch (e) {
    if (e instanceof RegistryError) return fail(e.status, e.errorCode, e.message);
    // (a schema nested deeper than the checks before it foresaw is the request's, not the store's)
    if (e instanceof RangeError && /call stack/i.test(e.message)) return fail(422, 42201, 'Invalid schema: it is nested too deeply to read');
    return fail(500, 50001, `Error in the backend data store - ${(e as Error).message}`);
  }
}

/** The paths the registry has routes for (each with some method): `*` is one segment, `#` a number. */
const KNOWN_PATHS = [
  '', 'contexts', 'schemas', 'schemas/types', 'schemas/ids/#', 'schemas/ids/#/schema', 'schemas/ids/#/versions', 'schemas/ids/#/subjects',
  'subjects', 'subjects/*', 'subjects/*/versions', 'subjects/*/versions/*', 'subjects/*/versions/*/schema', 'subjects/*/versions/*/referencedby',
  'config', 'config/*', 'compatibility/subjects/*/versions', 'compatibility/subjects/*/versions/*', 'mode', 'mode/*',
].map((p) => p.split('/').filter(Boolean));

function knownPath(path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  return KNOWN_PATHS.some((k) => k.length === parts.length && k.every((seg, i) => seg === '*' || (seg === '#' ? /^\d+$/.test(parts[i]!) : seg === parts[i])));
}

function route(r: SchemaRegistry, { method, path, query, body }: RegistryRequest): RegistryResponse | undefined {
  let parts: string[];
  try { parts = path.split('/').filter(Boolean).map(decodeURIComponent); } catch { return fail(400, 400, 'Bad Request: malformed percent-encoding in the path'); }
  const deleted = query.get('deleted') === 'true';
  const permanent = query.get('permanent') === 'true';
  // ?format=serialized: a Protobuf schema as a base64 FileDescriptorProto (other formats and types: as registered)
  const shown = <S extends RegisteredSchema>(s: S): S => (query.get('format') === 'serialized' && s.schemaType === 'PROTOBUF' ? { ...s, schema: serializedProto(s.schema, r.importsOf(s)) } : s);
  const [head, a, b, c, d] = parts;
  if (parts.length === 0 && method === 'GET') return ok({});
  // one registry, the default context
  if (head === 'contexts' && parts.length === 1 && method === 'GET') return ok(['.']);
  if (head === 'schemas') {
    if (a === 'types' && parts.length === 2 && method === 'GET') return ok(SCHEMA_TYPES);
    // every version of every subject (latestOnly: each subject's latest), as Schema objects
    if (parts.length === 1 && method === 'GET') {
      const prefix = subjectPrefixOf(query);
      const latestOnly = query.get('latestOnly') === 'true';
      const out: Record<string, unknown>[] = [];
      for (const subject of r.listSubjects(deleted).filter((x) => x.startsWith(prefix))) {
        const versions = r.versions(subject, deleted);
        for (const v of latestOnly ? versions.slice(-1) : versions) out.push(versionBody(r.version(subject, v, deleted)));
      }
      return ok(out);
    }
    // an id is a number; anything else is no route, as Confluent's registry answers it
    if (a === 'ids' && b !== undefined && !/^\d+$/.test(b)) return undefined;
    if (a === 'ids' && b !== undefined && method === 'GET') {
      const id = Number(b);
      if (parts.length === 3) return ok(schemaBody(shown(r.publishedSchemaById(id))));
      if (c === 'schema' && parts.length === 4) return schemaText(shown(r.publishedSchemaById(id)).schema);
      if (c === 'versions' && parts.length === 4) return ok(r.usagesOf(id, deleted));
      if (c === 'subjects' && parts.length === 4) return ok([...new Set(r.usagesOf(id, deleted).map((u) => u.subject))]);
    }
    return undefined;
  }
  if (head === 'subjects') {
    if (parts.length === 1 && method === 'GET') {
      const prefix = subjectPrefixOf(query);
      return ok(r.listSubjects(deleted).filter((s) => s.startsWith(prefix)));
    }
    if (a === undefined) return undefined;
    if (parts.length === 2) {
      if (method === 'POST') {
        const found = r.lookup(a, schemaInput(body), deleted);
        return ok({ ...versionBody(found) });
      }
      if (method === 'DELETE') return ok(r.deleteSubject(a, permanent));
      return undefined;
    }
    if (b !== 'versions') return undefined;
    if (parts.length === 3) {
      if (method === 'GET') return ok(r.versions(a, deleted));
      if (method === 'POST') {
        const input = schemaInput(body);
        // an id of the client's choosing is for copying a registry: IMPORT mode only, as Confluent's has it
        const importing = r.modeOf(a) === 'IMPORT';
        if (idOf(body) !== undefined && !importing) throw new RegistryError(422, 42205, `Subject ${a} is not in import mode`);
        const id = r.register(a, input, idOf(body), importing ? importVersionOf(body) : undefined);
        return ok({ id });
      }
      return undefined;
    }
    const version = versionOf(c!);
    if (parts.length === 4) {
      if (method === 'GET') return ok(versionBody(shown(r.version(a, version, deleted))));
      if (method === 'DELETE') return ok(r.deleteVersion(a, version, permanent));
    }
    if (parts.length === 5 && d === 'schema' && method === 'GET') return schemaText(shown(r.version(a, version, deleted)).schema);
    if (parts.length === 5 && d === 'referencedby' && method === 'GET') return ok(r.referencedBy(a, version));
    return undefined;
  }
  if (head === 'config') {
    if (parts.length === 1) {
      if (method === 'GET') return ok({ compatibilityLevel: r.levelOf() });
      if (method === 'PUT') return ok({ compatibility: r.setLevel(levelOf(body)) });
      if (method === 'DELETE') return ok({ compatibilityLevel: r.resetLevel() });
    }
    if (parts.length === 2) {
      if (method === 'GET') {
        const own = r.subjectLevel(a!);
        if (own) return ok({ compatibilityLevel: own });
        if (query.get('defaultToGlobal') === 'true') return ok({ compatibilityLevel: r.levelOf() });
        return fail(404, 40408, `Subject '${a}' does not have subject-level compatibility configured`);
      }
      if (method === 'PUT') return ok({ compatibility: r.setLevel(levelOf(body), a) });
      if (method === 'DELETE') return ok({ compatibilityLevel: r.clearLevel(a!) });
    }
    return undefined;
  }
  // against one version, or (no version) against those the subject's level compares with
  if (head === 'compatibility' && a === 'subjects' && b !== undefined && c === 'versions' && (parts.length === 5 || parts.length === 4) && method === 'POST') {
    const problems = r.testCompatibility(b, d === undefined ? 'levels' : versionOf(d), schemaInput(body));
    return ok(query.get('verbose') === 'true' ? { is_compatible: problems.length === 0, messages: problems } : { is_compatible: problems.length === 0 });
  }
  if (head === 'mode') {
    const force = query.get('force') === 'true';
    if (parts.length === 1) {
      if (method === 'GET') return ok({ mode: r.modeOf() });
      if (method === 'PUT') return ok({ mode: r.setMode(modeOf(body), undefined, force) });
    }
    if (parts.length === 2) {
      if (method === 'GET') {
        const own = r.subjectMode(a!);
        if (own) return ok({ mode: own });
        if (query.get('defaultToGlobal') === 'true') return ok({ mode: r.modeOf() });
        return fail(404, 40409, `Subject '${a}' does not have subject-level mode configured`);
      }
      if (method === 'PUT') return ok({ mode: r.setMode(modeOf(body), a, force) });
      if (method === 'DELETE') return ok({ mode: r.clearMode(a!) });
    }
    return undefined;
  }
  return undefined;
}

/**
 * subjectPrefix without its context qualifier: Confluent's default `:*:` (every context) and `:.:`
 * (the default context) both mean this registry's one context, so `:*:` alone is every subject.
 */
function subjectPrefixOf(query: URLSearchParams): string {
  const p = query.get('subjectPrefix') ?? '';
  const m = /^:([^:]*):(.*)$/.exec(p);
  return m && (m[1] === '*' || m[1] === '.') ? m[2]! : p;
}

function schemaInput(body: unknown): SchemaInput {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.schema !== 'string') throw new RegistryError(422, 42201, 'Empty schema');
  const schemaType = (typeof b.schemaType === 'string' ? b.schemaType.toUpperCase() : 'AVRO') as SchemaType;
  if (!SCHEMA_TYPES.includes(schemaType)) throw new RegistryError(422, 42201, `Invalid schema type ${String(b.schemaType)}`);
  // (null or absent is none; anything else that is no list is refused, not dropped)
  if (b.references !== undefined && b.references !== null && !Array.isArray(b.references)) {
    throw new RegistryError(422, 42201, `Invalid schema: references must be a list, got ${JSON.stringify(b.references).slice(0, 100)}`);
  }
  const references = Array.isArray(b.references) ? b.references.map(referenceOf) : [];
  return { schema: b.schema, schemaType, references };
}

/** A schema reference must be {name, subject, version} with a string name and subject and a whole version. */
function referenceOf(x: unknown): { name: string; subject: string; version: number } {
  const r = x as Record<string, unknown> | null;
  if (r === null || typeof r !== 'object' || typeof r.name !== 'string' || typeof r.subject !== 'string' || !Number.isSafeInteger(r.version)) {
    throw new RegistryError(422, 42201, `Invalid schema: a reference must have a string name and subject and an integer version, got ${JSON.stringify(x)}`);
  }
  return { name: r.name, subject: r.subject, version: r.version as number };
}

/** The version a registration in IMPORT mode asks for (Confluent's `version` field), if a valid one. */
function importVersionOf(body: unknown): number | undefined {
  const v = (body as Record<string, unknown> | undefined)?.version;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function idOf(body: unknown): number | undefined {
  const id = (body as Record<string, unknown> | undefined)?.id;
  return typeof id === 'number' && id > 0 ? id : undefined;
}

function modeOf(body: unknown): string {
  const m = ((body ?? {}) as Record<string, unknown>).mode;
  if (typeof m !== 'string') throw new RegistryError(422, 42204, 'Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT.');
  return m;
}

function versionOf(text: string): number | 'latest' {
  // (as Confluent's VersionId reads it: "latest" in any case, or an integer as Integer.valueOf takes it, -1 too)
  const t = text.trim();
  if (t.toLowerCase() === 'latest' || t === '-1') return 'latest';
  const n = /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) {
    throw new RegistryError(422, 42202, `The specified version '${text}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
  }
  return n;
}

function levelOf(body: unknown): string {
  const b = (body ?? {}) as Record<string, unknown>;
  const l = b.compatibility ?? b.compatibilityLevel;
  if (typeof l !== 'string') throw new RegistryError(422, 42203, 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive');
  return l;
}

/** AVRO is the default type, so Confluent leaves `schemaType` out for it. */
function schemaBody(s: { schema: string; schemaType: SchemaType; references: unknown[] }): Record<string, unknown> {
  return { ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }), schema: s.schema, ...(s.references.length ? { references: s.references } : {}) };
}

function versionBody(v: SubjectVersion): Record<string, unknown> {
  return { subject: v.subject, version: v.version, id: v.id, ...schemaBody(v) };
}
