/** The one Schema Registry call the handler needs, as a port. */
export interface SchemaRegistry {
  /** Registers (or finds) a Protobuf schema under a subject and returns its id. */
  registerProtobuf(subject: string, schema: string): Promise<number>;
}

export interface SchemaRegistryOptions {
  url: string;
  username?: string;
  password?: string;
  /** Default: 10 000 ms. */
  timeoutMs?: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * Confluent Schema Registry REST API over fetch. Registering a schema that is already there
 * returns its existing id, so calling this at every cold start is safe; where registering is not
 * allowed, a schema registered beforehand is looked up instead.
 * https://docs.confluent.io/platform/current/schema-registry/develop/api.html#post--subjects-(string-%20subject)-versions
 */
export function httpSchemaRegistry(options: SchemaRegistryOptions): SchemaRegistry {
  const base = options.url.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE };
  if (options.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  }
  const post = async (path: string, subject: string, schema: string): Promise<{ status: number; ok: boolean; body: { id?: unknown; message?: unknown } | undefined }> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ schema, schemaType: 'PROTOBUF' }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (e) {
      // fetch's own message may quote the URL: name the registry without anything it could carry
      const cause = e as Error & { cause?: { code?: string } };
      throw new Error(`Schema Registry at ${shown(base)} could not be reached to register ${subject}: ${cause.cause?.code ?? cause.name}`);
    }
    const body = await response.json().catch(() => undefined) as { id?: unknown; message?: unknown } | undefined;
    return { status: response.status, ok: response.ok, body };
  };
  return {
    async registerProtobuf(subject, schema) {
      const subjectPath = `/subjects/${encodeURIComponent(subject)}`;
      const registered = await post(`${subjectPath}/versions`, subject, schema);
      if (registered.ok && typeof registered.body?.id === 'number') return registered.body.id;
      // a registry that takes no registrations from this client (a key without write access, a
      // subject in READONLY mode) still finds the schema registered beforehand: look it up, as
      // Confluent's serializers do with auto-registration off
      if (registered.status === 401 || registered.status === 403 || registered.status === 422) {
        const found = await post(subjectPath, subject, schema).catch(() => undefined);
        if (found?.ok && typeof found.body?.id === 'number') return found.body.id;
      }
      const detail = typeof registered.body?.message === 'string' ? `: ${registered.body.message}` : '';
      throw new Error(`Schema Registry refused the schema for ${subject} (HTTP ${registered.status})${detail}`);
    },
  };
}

/** A URL as it may be shown: scheme, host and path, without credentials, query or fragment. */
function shown(url: string): string {
  try { const u = new URL(url); return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`; } catch { return '(an invalid URL)'; }
}
