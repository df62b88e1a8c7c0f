import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { resolveDatabaseUrl } from '../../app/database.js';
import { createLogger } from '../../app/logger.js';
import { ValidationError } from '../../domain/errors.js';
import { openDatabase, openDataFile } from '../../app/stores.js';
import { describeDatabaseUrl, DATABASE_URL_ENV } from '../../store/postgres/url.js';
import { readSnapshot, sealedKeyIds, writeEmbeddedFiles, type Snapshot } from '../../store/transfer.js';
import { resolve } from 'node:path';
import type { CliIO } from '../io.js';
import { printJson } from '../output.js';

interface DbFlags {
  databaseUrl?: string;
  json?: boolean;
}

function requireDatabase(io: CliIO, flags: DbFlags): string {
  const url = resolveDatabaseUrl(flags.databaseUrl, io.env);
  if (url === undefined) throw new ValidationError(`database-url: no database named; give --database-url postgres://user@host:port/db or set ${DATABASE_URL_ENV}`, 'database-url');
  return url;
}

function counts(s: Snapshot) {
  return { configurations: s.configurations.length, api_keys: s.apiKeys.length, audit_events: s.audit.length, oauth_registrations: s.registrations.length, key_ids: sealedKeyIds(s) };
}

/** `migrate`, `import --from FILE`, `export --to FILE`: the PostgreSQL store's schema and moving data in and out. */
export function registerDatabase(program: Command, io: CliIO): void {
  const urlOption = ['--database-url <url>', `the PostgreSQL database (env ${DATABASE_URL_ENV})`] as const;
  program
    .command('migrate')
    .description('bring the PostgreSQL database to the schema of this version (safe to run again, and from several replicas at once)')
    .option(...urlOption)
    .option('--json', 'print the result as JSON')
    .action(async (flags: DbFlags) => {
      const url = requireDatabase(io, flags);
      const { migrate } = await import('../../store/postgres/migrations.js');
      const applied = await migrate(url, createLogger(io.env, 'warn'));
      const result = { object: 'migration', database: describeDatabaseUrl(url), applied };
      if (flags.json) printJson(io, result);
      else io.stdout.write(applied.length ? `Applied ${applied.join(', ')} to ${result.database}\n` : `${result.database} is up to date\n`);
    });
  program
    .command('import')
    .description('copy everything from an embedded data file into an empty, migrated database (credentials stay sealed, with their key ids)')
    .requiredOption('--from <file>', 'the data file to read')
    .option(...urlOption)
    .option('--json', 'print the result as JSON')
    .action(async (flags: DbFlags & { from: string }) => {
      const url = requireDatabase(io, flags);
      const file = resolve(flags.from);
      if (!existsSync(file)) throw new ValidationError(`from: ${file} does not exist`, 'from');
      const source = await openDataFile(file);
      let snapshot: Snapshot;
      try {
        snapshot = await readSnapshot(source);
      } finally {
        await source.close();
      }
      const target = await openDatabase(url, createLogger(io.env, 'warn'));
      try {
        await target.importSnapshot(snapshot);
      } finally {
        await target.close();
      }
      const result = { object: 'import', from: file, database: describeDatabaseUrl(url), ...counts(snapshot) };
      if (flags.json) printJson(io, result);
      else
        io.stdout.write(
          `Imported ${result.configurations} configuration(s), ${result.api_keys} API key(s) and ${result.audit_events} audit event(s) into ${result.database}.\n` +
            (result.key_ids.length ? `Credentials are sealed with key ${result.key_ids.join(', ')}: every replica needs that key (CONNECTOR_GATEWAY_KEY).\n` : ''),
        );
    });
  program
    .command('export')
    .description('copy everything from the database into a new embedded data file (credentials stay sealed, with their key ids)')
    .requiredOption('--to <file>', 'the data file to write (must not exist)')
    .option(...urlOption)
    .option('--json', 'print the result as JSON')
    .action(async (flags: DbFlags & { to: string }) => {
      const url = requireDatabase(io, flags);
      const file = resolve(flags.to);
      const source = await openDatabase(url, createLogger(io.env, 'warn'));
      let snapshot: Snapshot;
      try {
        snapshot = await readSnapshot(source);
      } finally {
        await source.close();
      }
      await writeEmbeddedFiles(file, snapshot);
      const result = { object: 'export', to: file, database: describeDatabaseUrl(url), ...counts(snapshot) };
      if (flags.json) printJson(io, result);
      else
        io.stdout.write(
          `Exported ${result.configurations} configuration(s), ${result.api_keys} API key(s) and ${result.audit_events} audit event(s) to ${file}.\n` +
            (result.key_ids.length ? `Credentials are sealed with key ${result.key_ids.join(', ')}: open the file with that key.\n` : ''),
        );
    });
}
