import { describe, expect, it } from 'vitest';
import { pathProblem } from '../../src/cli/errors.js';

describe('pathProblem', () => {
  it('words what stands in a path\'s way by the error code, and leaves other errors alone', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(pathProblem(err('ENOTDIR'))).toBe('a file stands where a directory is needed');
    expect(pathProblem(err('EEXIST'))).toBe('a file stands where a directory is needed');
    expect(pathProblem(err('EISDIR'))).toBe('a directory stands where a file is needed');
    expect(pathProblem(err('EACCES'))).toBe('permission denied');
    expect(pathProblem(err('EROFS'))).toBe('read-only file system');
    expect(pathProblem(err('ECONNREFUSED'))).toBeUndefined();
    expect(pathProblem(new Error('plain'))).toBeUndefined();
  });
});
