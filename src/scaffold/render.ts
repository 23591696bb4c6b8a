/** A file of a template or of the project it renders into: a POSIX path relative to its root. */
export interface ProjectFile {
  path: string;
  content: Buffer;
}

/** A problem with what the user asked for; the CLI maps it to a usage error. */
export class ScaffoldError extends Error {}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** Replaces every `{{key}}`; a key without a value is an error naming the file, so a typo never ships. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>, path: string): string {
  return text.replace(PLACEHOLDER, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${path}: unknown placeholder {{${key}}} (known: ${Object.keys(values).join(', ')})`);
    return value;
  });
}

/** Sets the `name` of a package.json or package-lock.json (v2/v3: the root and `packages[""]`), keeping everything else. */
export function setPackageName(json: string, name: string): string {
  const data = JSON.parse(json) as { name?: string; packages?: Record<string, { name?: string }> };
  data.name = name;
  const root = data.packages?.[''];
  if (root) root.name = name;
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** npm's rule for package names (lower case, URL-safe, at most 214 characters). */
export function isPackageName(name: string): boolean {
  return name.length <= 214 && /^(?:@[a-z0-9-*~][a-z0-9-*._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name);
}

