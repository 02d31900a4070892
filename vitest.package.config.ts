import { defineConfig } from "vitest/config"

// The consumer test (test/package/consumer.test.ts) on its own, after the rest of `npm test`: it packs, installs
// and runs what a user gets in child processes, and would otherwise compete for the CPU with the timing-sensitive
// tests that talk to real servers.
export default defineConfig({
  test: {
    include: ["test/package/consumer.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: "forks"
  }
})
