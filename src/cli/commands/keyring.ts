import type { Command } from 'commander';
import { adoptNewKey, assertEnvRotatable, initKeyFile, rotateKeyRing, rotateStoredCredentials } from '../../crypto/index.js';
import { resolveDataFile } from '../../app/paths.js';
import { refreshLeaseTtlMs } from '../../oauth/credential-source.js';
import { ValidationError } from '../../domain/errors.js';
import { openDataFile } from '../../app/stores.js';
import { auditEvent } from '../../service/audit.js';
import type { CliIO } from '../io.js';
import { ExitCode } from '../errors.js';
import { withContext, type DataFlags } from '../context.js';
import { printJson } from '../output.js';
import { createProgress } from '../progress.js';

export function registerKeyring(program: Command, io: CliIO): void {
  const keyring = program.command('keyring').description('the keys that seal credentials at rest');
  keyring
    .command('init')
    .description('make a new key file beside the data file; with --force, replace an existing one (credentials sealed with it can then no longer be opened: set them again)')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--force', 'replace an existing key file (kept beside it as <key file>.replaced-<time>)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: DataFlags & { force?: boolean; json?: boolean }) => {
      const dataFile = resolveDataFile(opts.data, io.env);
      const store = await openDataFile(dataFile);
      try {
        const sealed = (await store.allConfigurations()).filter((r) => r.credentials_sealed);
        if (sealed.length > 0 && opts.force !== true) {
          throw new ValidationError(`${dataFile} holds ${sealed.length} sealed credential(s): a new key cannot open them. Restore the old key if you can; \`keyring init --force\` makes a new key and removes those credentials (set them again afterwards)`, 'force', 'sealed_data_exists');
        }
        const made = await initKeyFile({ env: io.env, dataFile, force: opts.force === true });
        // Every process on this data seals with the new key from now on; the keys it replaced may not seal again.
        await adoptNewKey(store, made.kid, [...new Set(sealed.map((r) => r.credentials_sealed!.kid))]);
        // Credentials under a key that is gone are dropped, and say so: nothing is left that no key opens.
        let cleared = 0;
        for (const r of sealed) {
          const kid = r.credentials_sealed!.kid;
          if (kid === made.kid) continue;
          await store.updateConfiguration(r.id, (cur) => {
            if (!cur.credentials_sealed || cur.credentials_sealed.kid === made.kid) return cur;
            const { credentials_sealed: _s, credentials_type: _t, ...rest } = cur;
            return { ...rest, health_status: 'unhealthy', last_error: `its credentials were sealed with key ${kid}, replaced by keyring init --force: set the credentials again` };
          });
          cleared++;
        }
        await store.appendAudit(auditEvent({ organization_id: 'system', via: 'local' }, 'keyring.initialized', made.kid, new Date().toISOString(), 'success', { credentials_cleared: cleared }));
        const result = { object: 'keyring_init', key_file: made.keyFile, primary_key_id: made.kid, credentials_cleared: cleared, ...(made.replaced ? { replaced_key_file: made.replaced } : {}) };
        if (opts.json) printJson(io, result);
        else io.stdout.write(`New key ${made.kid} in ${made.keyFile}${made.replaced ? ` (the old key file is kept as ${made.replaced})` : ''}; ${cleared} credential(s) removed, to be set again\n`);
      } finally {
        await store.close();
      }
    });
  keyring
    .command('rotate')
    .description('make a new primary key and re-seal every credential with it')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--database-url <url>', 'PostgreSQL database instead of the data file (env CONNECTOR_GATEWAY_DATABASE_URL)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: DataFlags & { json?: boolean }) => {
      const progress = createProgress(io);
      assertEnvRotatable(io.env);
      const out = await withContext(io, opts, async (ctx) => {
        progress.step('making a new primary key…');
        const rotated = await rotateKeyRing({ env: ctx.env, dataFile: ctx.dataFile });
        const sealed = (await ctx.store.allConfigurations()).filter((r) => r.credentials_sealed).length;
        progress.step(`re-sealing ${sealed} credential(s) under key ${rotated.ring.primary.kid}…`);
        // Running servers on this data see the new primary key at their next seal (see rotation.ts).
        const report = await rotateStoredCredentials(ctx.store, ctx.vault, rotated.ring, { leaseTtlMs: refreshLeaseTtlMs(ctx.settings) });
        progress.step(`re-sealed ${report.resealed}, ${report.failed.length} failed`);
        await ctx.store.appendAudit(
          auditEvent({ organization_id: 'system', via: 'local' }, 'keyring.rotated', rotated.ring.primary.kid, new Date().toISOString(), report.failed.length ? 'failure' : 'success', {
            resealed: report.resealed,
            failed: report.failed.length,
          }),
        );
        return { rotated, report };
      });
      const { rotated, report } = out;
      const result = {
        object: 'keyring_rotation',
        previous_key_id: rotated.previousKid,
        primary_key_id: rotated.ring.primary.kid,
        key_file_updated: rotated.persisted,
        sealed: report.sealed,
        resealed: report.resealed,
        unchanged: report.unchanged,
        failed: report.failed,
      };
      if (opts.json) printJson(io, result);
      else {
        io.stdout.write(`New primary key ${result.primary_key_id} (was ${result.previous_key_id})\n`);
        io.stdout.write(`Re-sealed ${report.resealed} of ${report.sealed} credentials; ${report.unchanged} already under the new key; ${report.failed.length} failed\n`);
        for (const f of report.failed) io.stdout.write(`  ${f.id}: ${f.message}\n`);
      }
      if (report.failed.length > 0) throw new ExitCode(1);
    });
}
