/** What the global setup hands to every test file through vitest's provide/inject. */
export interface TestDatabaseServer {
  /** A database URL on the test server (maintenance connections; tests get their own databases). */
  url: string;
  /** The migrated template that `createTestDatabase()` copies. */
  template: string;
}

export const TEST_SERVER_KEY = 'kaygraphTestDatabaseServer';

declare module 'vitest' {
  export interface ProvidedContext {
    kaygraphTestDatabaseServer: TestDatabaseServer;
  }
}
