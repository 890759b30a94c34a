/** The part of a pino logger this package uses; pass `logger.child({ component: 'postgres' })`. */
export interface EmbeddedPostgresLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export const silentLogger: EmbeddedPostgresLogger = { info: () => {}, warn: () => {} };
