import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
