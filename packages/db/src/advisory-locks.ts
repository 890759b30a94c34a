/**
 * Advisory lock keys used by this package. One registry so two features never share a key by accident;
 * the numbers are arbitrary but fixed (other packages should pick keys outside 7_400_000-7_400_099).
 */
export const MIGRATION_LOCK_KEY = 7_400_001;
/** Serializes building the migrated template database that test databases are copied from. */
export const TEST_TEMPLATE_LOCK_KEY = 7_400_002;
