import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // against a real ksqlDB (KSQLDB_URL) every statement waits on its command topic and every pull
    // query on the cluster: the same tests take several times as long
    testTimeout: process.env.KSQLDB_URL ? 180_000 : 30_000,
    hookTimeout: process.env.KSQLDB_URL ? 180_000 : 30_000,
  },
});
