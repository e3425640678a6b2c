import { KernelError } from 'hostfactory-kernel';

/** The fully qualified, quoted names of the adapter's tables in one schema. */
export interface SchemaTables {
  readonly schema: string;
  readonly migrations: string;
  readonly templates: string;
  readonly requests: string;
  readonly machines: string;
  readonly events: string;
  /** The sequence holding the last position handed out. */
  readonly eventPositions: string;
  readonly readModels: string;
  /** Event processors: checkpoint, epoch and lease per processor key. */
  readonly processors: string;
  readonly deadLetters: string;
  /** Replicas running each processor, with the expiry of their membership. */
  readonly processorMembers: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a schema name (lower-case letters, digits and `_`, at most 63, not starting with a digit)
 * and returns its table names. Throws `INVALID_CONFIGURATION` naming the bad value.
 */
export function schemaTables(schema: string): SchemaTables {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new KernelError(
      'INVALID_CONFIGURATION',
      `createPostgresStorage() needs a schema name of lower-case letters, digits and "_" (at most 63, not starting with a digit), got ${JSON.stringify(schema)}.`,
      { details: { schema } },
    );
  }
  const q = (table: string): string => `"${schema}"."${table}"`;
  return {
    schema,
    migrations: q('schema_migrations'),
    templates: q('templates'),
    requests: q('requests'),
    machines: q('machines'),
    events: q('events'),
    eventPositions: q('event_positions'),
    readModels: q('read_models'),
    processors: q('processors'),
    deadLetters: q('processor_dead_letters'),
    processorMembers: q('processor_members'),
  };
}

/**
 * A SQL escape-string literal (`E'...'`, backslashes and quotes doubled). Its meaning does not depend
 * on `standard_conforming_strings` or `backslash_quote`, unlike a plain `'...'` literal, which a
 * server running with `standard_conforming_strings = off` reads with backslash escapes (`a\b`
 * would become a backspace). Throws on NUL, which no SQL text can hold (the domain never stores one).
 */
export function literal(text: string): string {
  if (text.includes('\u0000')) throw new TypeError('a SQL literal cannot hold NUL (U+0000)');
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The advisory-lock key text of `name` in `schema`. Locks are database-wide, so the schema is part
 * of the key: two storages on different schemas never block each other.
 */
export function lockKey(schema: string, name: string): string {
  return `hostfactory:${schema}:${name}`;
}

/** The SQLSTATE of a PostgreSQL error, if `error` is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The constraint a PostgreSQL error names, if any. */
export function constraintOf(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
