import type { Command } from 'commander';
import { rotateKeyRing, resealAll } from '../../crypto/index.js';
import { auditEvent } from '../../service/audit.js';
import type { CliIO } from '../io.js';
import { ExitCode } from '../errors.js';
import { withContext, type DataFlags } from '../context.js';
import { printJson } from '../output.js';
import { createProgress } from '../progress.js';

export function registerKeyring(program: Command, io: CliIO): void {
  const keyring = program.command('keyring').description('the keys that seal credentials at rest');
  keyring
    .command('rotate')
    .description('make a new primary key and re-seal every credential with it')
    .option('--data <file>', 'data file (env CONNECTOR_GATEWAY_DATA)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: DataFlags & { json?: boolean }) => {
      const progress = createProgress(io);
      const out = await withContext(io, opts, async (ctx) => {
        progress.step('making a new primary key…');
        const rotated = await rotateKeyRing({ env: ctx.env, dataFile: ctx.dataFile });
        ctx.vault.setKeyRing(rotated.ring);
        const sealed = (await ctx.store.allConfigurations()).filter((r) => r.credentials_sealed).length;
        progress.step(`re-sealing ${sealed} credential(s) under key ${rotated.ring.primary.kid}…`);
        const report = await resealAll(ctx.store, ctx.vault);
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
