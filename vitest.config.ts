import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // against a real ksqlDB (KSQLDB_URL) every statement waits on its command topic and every pull
    // query on the cluster: the same tests take several times as long
    testTimeout: process.env.KSQLDB_URL ? 180_000 : 30_000,
    hookTimeout: process.env.KSQLDB_URL ? 180_000 : 30_000,
    // two test files at a time at least: vitest's default (the cores less one) runs them one by one on
    // two cores, where most of a file's time is spent waiting on servers and CLIs it started (5 minutes
    // against 10 on two cores); against a real ksqlDB, its default
    maxWorkers: process.env.KSQLDB_URL ? undefined : Math.max(2, availableParallelism() - 1),
  },
});
