import { defineConfig } from 'vitest/config'

// Latency measurements mean nothing while other test files train on the same cores, so the load
// tests run as a second group, alone, after everything else.
const LOAD_TESTS = ['test/robustness/load.test.ts']

// One setup file points every test at its own temp home, so no test touches a real home folder.
export default defineConfig({
  test: {
    setupFiles: ['test/setup-home.ts'],
    // Fails the run at once, saying what to install, when Chromium, h5py or the AWS CLI is missing.
    globalSetup: ['test/test-tools.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The SDK's notice about future Node versions would repeat in every test process.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.{ts,tsx}'], exclude: LOAD_TESTS },
      },
      {
        extends: true,
        test: { name: 'load', include: LOAD_TESTS, sequence: { groupOrder: 1 } },
      },
    ],
  },
})
