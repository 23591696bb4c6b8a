import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { makeDirectory } from '../files/make-dir.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaffoldError, type ProjectFile } from './render.js';

/** The templates shipped with the package (`files` in package.json), from src/ or dist/ alike. */
export function templateDir(name: string): string {
  return fileURLToPath(new URL(`../../templates/${name}`, import.meta.url));
}

/** What a developer's work in a template leaves behind; never part of a scaffolded project. */
const NOT_TEMPLATE = new Set(['node_modules', 'dist', '.aws-sam', 'coverage']);

/** Every file of a template directory, with POSIX paths, in a stable order. */
export async function readTemplate(dir: string): Promise<ProjectFile[]> {
  const files: ProjectFile[] = [];
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      if (NOT_TEMPLATE.has(entry.name)) continue;
      const full = join(at, entry.name);
      if (entry.isDirectory()) await walk(full, `${prefix}${entry.name}/`);
      else if (entry.isFile()) files.push({ path: `${prefix}${entry.name}`, content: await readFile(full) });
    }
  };
  await walk(dir, '');
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Writes the files under `dir`. A directory that exists and is not empty is refused unless
 * `force`, which overwrites the files of the same name and leaves the others alone.
 */
export async function writeProject(dir: string, files: readonly ProjectFile[], options: { force?: boolean } = {}): Promise<void> {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ScaffoldError(`${dir} exists and is not a directory`);
    if (!options.force && (await readdir(dir)).length > 0) throw new ScaffoldError(`${dir} is not empty (--force writes into it anyway)`);
  }
  await writeFiles(dir, files);
}

/**
 * Writes the files under `dir`, creating directories as needed and overwriting files of the same
 * name. Every path is checked first (a file where a directory is needed, a directory where a file
 * goes, one that cannot be written), so a project that cannot be written whole is not written at all.
 */
export async function writeFiles(dir: string, files: readonly ProjectFile[]): Promise<void> {
  const checked = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    let at = dir;
    for (const part of parts.slice(0, -1)) {
      at = join(at, part);
      if (checked.has(at)) continue;
      checked.add(at);
      if (existsSync(at) && !statSync(at).isDirectory()) throw new ScaffoldError(`${at}: a file stands where the project needs a directory`);
    }
    const target = join(dir, ...parts);
    if (!existsSync(target)) continue;
    if (statSync(target).isDirectory()) throw new ScaffoldError(`${target}: a directory stands where the project writes a file`);
    try { accessSync(target, constants.W_OK); } catch { throw new ScaffoldError(`${target}: cannot be overwritten (no write permission)`); }
  }
  for (const at of [dir, ...checked]) {
    if (!existsSync(at)) continue;
    try { accessSync(at, constants.W_OK); } catch { throw new ScaffoldError(`${at}: cannot be written (no write permission)`); }
  }
  for (const file of files) {
    const target = join(dir, ...file.path.split('/'));
    await makeDirectory(dirname(target));
    await writeFile(target, file.content);
  }
}
