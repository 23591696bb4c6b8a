import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';

/**
 * A local stand-in for AWS Secrets Manager's GetSecretValue, so a handler that reads its settings
 * with the AWS SDK (as it does in production) runs unchanged on a laptop. The SDK is pointed at it
 * through AWS_ENDPOINT_URL_SECRETS_MANAGER; request signatures are not checked.
 */
export async function startSecretsEmulator(secrets: Map<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') return reply(400, { __type: 'UnknownOperationException', message: `${target || 'this operation'} is not served locally` });
      let id = '';
      try { id = String((JSON.parse(body) as { SecretId?: unknown }).SecretId ?? ''); } catch { /* below */ }
      const name = secretName(id);
      const value = secrets.get(id) ?? secrets.get(name) ?? [...secrets].find(([k]) => secretName(k) === name)?.[1];
      if (value === undefined) return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`, Name: name, SecretString: value,
        VersionId: randomUUID(), VersionStages: ['AWSCURRENT'], CreatedDate: Math.floor(Date.now() / 1000),
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Points the AWS SDK of this process at the emulator, with placeholder credentials when none are set. */
export function useSecretsEmulator(url: string): void {
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = url;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}

/**
 * A secret's name from what a client asks for: a name as it is; an ARN without its prefix and
 * without the six characters Secrets Manager appends to the name in ARNs (`...:secret:name-AbCdEf`).
 */
export function secretName(id: string): string {
  const arn = /^arn:aws[\w-]*:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(id);
  return arn ? arn[1]!.replace(/-[A-Za-z0-9]{6}$/, '') : id;
}
