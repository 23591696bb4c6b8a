export class SerdeError extends Error {}
