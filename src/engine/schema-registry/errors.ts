/** A registry failure with Confluent's HTTP status and error code (io.confluent.kafka.schemaregistry.rest.exceptions.Errors). */
export class RegistryError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) { super(message); }
}
