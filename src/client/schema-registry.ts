import { request } from 'undici';
import { AuthError, UnreachableError } from './client.js';

/** A schema as Confluent's Schema Registry answers for a subject version or an id. */
export interface RegistrySchema {
  id: number;
  schemaType: 'AVRO' | 'PROTOBUF' | 'JSON';
  schema: string;
  references: { name: string; subject: string; version: number }[];
}

export interface RegistryClientOptions {
  url: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
  /** Observes each request (for --verbose); paths never carry credentials. */
  onRequest?: (method: string, path: string, body: string) => void;
}

/** Reads schemas from a Schema Registry (the target's, for --dry-run); it never writes one. */
export class SchemaRegistryClient {
  constructor(private readonly opts: RegistryClientOptions) {}

  get url(): string { return this.opts.url.replace(/\/+$/, ''); }

  /** A subject's latest version (or a given one); undefined when the registry has none. */
  subjectVersion(subject: string, version: number | 'latest' = 'latest'): Promise<RegistrySchema | undefined> {
    return this.get(`/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  /** The schema with this id; undefined when the registry has none. */
  schemaById(id: number): Promise<RegistrySchema | undefined> {
    return this.get(`/schemas/ids/${id}`, id);
  }

  private async get(path: string, id?: number): Promise<RegistrySchema | undefined> {
    const timeout = this.opts.timeoutMs ?? 30_000;
    const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (this.opts.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`;
    this.opts.onRequest?.('GET', path, '');
    let status: number, text: string;
    try {
      const res = await request(`${this.url}${path}`, { headers, headersTimeout: timeout, bodyTimeout: timeout });
      status = res.statusCode; text = await res.body.text();
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      throw new UnreachableError(`cannot reach the Schema Registry at ${this.url}: ${err.cause?.code ?? err.code ?? err.message}`);
    }
    if (status === 401 || status === 403) throw new AuthError(`the Schema Registry at ${this.url} refused the credentials (HTTP ${status}): check schemaRegistry.username and schemaRegistry.password`);
    let body: Record<string, unknown> | undefined;
    try { body = JSON.parse(text) as Record<string, unknown>; } catch { body = undefined; }
    if (status === 404) return undefined;
    if (status !== 200 || typeof body?.schema !== 'string') {
      const message = typeof body?.message === 'string' ? `: ${body.message}` : '';
      throw new UnreachableError(`the Schema Registry at ${this.url} answered ${path} with HTTP ${status}${message}`);
    }
    const type = String(body.schemaType ?? 'AVRO').toUpperCase();
    return {
      // a schema asked for by id is answered without it
      id: id ?? Number(body.id),
      schemaType: type === 'PROTOBUF' || type === 'JSON' ? type : 'AVRO',
      schema: body.schema,
      references: Array.isArray(body.references) ? body.references as RegistrySchema['references'] : [],
    };
  }
}
