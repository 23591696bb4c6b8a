import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * mkdir -p: makes `path` and its missing parents; the first directory it made, or undefined when
 * `path` was there. Node's own recursive mkdir is not used: under a parent where mkdir fails with
 * ENOENT though the parent exists (/proc), it retries for ever (Node 20).
 */
export async function makeDirectory(path: string, mode?: number): Promise<string | undefined> {
  try {
    await mkdir(path, { mode });
    return path;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return undefined;
      throw e;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw e;
    const made = await makeDirectory(parent, mode);
    // once: a parent that exists and still refuses a child is the error to report
    try { await mkdir(path, { mode }); } catch (again) {
      // (made meanwhile by another process: there, as asked)
      if ((again as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(path)).isDirectory()) return made;
      throw again;
    }
    return made ?? path;
  }
}
