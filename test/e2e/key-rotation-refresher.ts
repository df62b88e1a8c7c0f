/**
 * Child process of key-rotation.test.ts: what an OAuth refresh does in a server started with the old
 * key, step by step, through the real app context (store, seal guard, vault) on the shared data file.
 *   <data file> <configuration id>        take the refresh lease; "LEASED"; clear the seal (the key
 *                                         policy still names the old key); wait until a rotation names
 *                                         a new one; store refreshed tokens as the refresher does;
 *                                         "STORED"; hold the lease until stdin says release
 *   <data file> <configuration id> show   print the configuration's credentials as opened now
 */
import { once } from 'node:events';
import { openAppContext } from '../../src/app/context.js';
import { silentLogger } from '../../src/domain/logger.js';
import { bindingOf, credentialsLeaseKey } from '../../src/domain/sealing.js';
import { sameSealed } from '../../src/oauth/vault.js';
import { refreshLeaseTtlMs } from '../../src/oauth/credential-source.js';

const [dataFile, id, mode] = process.argv.slice(2) as [string, string, string | undefined];
const ctx = await openAppContext({ dataFile, env: process.env, log: silentLogger });
try {
  if (mode === 'show') {
    const r = await ctx.store.getConfiguration(id);
    process.stdout.write(JSON.stringify(ctx.vault.open(r!.credentials_sealed!, bindingOf(r!))));
  } else {
    await ctx.store.withLease(credentialsLeaseKey(id), refreshLeaseTtlMs(ctx.settings), async () => {
      const record = (await ctx.store.getConfiguration(id))!;
      process.stdout.write('LEASED\n');
      // The refresher's order: clear the seal before spending the refresh token...
      const seal = await ctx.sealing.clearToSeal();
      const firstKid = (await ctx.store.getKeyPolicy())?.primary_kid;
      // ...the provider answers while a rotation starts (waiting for the rotation's own write, not a clock).
      while ((await ctx.store.getKeyPolicy())?.primary_kid === firstKid) await new Promise((r) => setTimeout(r, 20));
      const sealed = seal({ type: 'oauth2', access_token: 'at-refreshed', refresh_token: 'rt-refreshed', expires_at: new Date(Date.now() + 3_600_000).toISOString() }, bindingOf(record));
      let replaced = false;
      await ctx.store.updateConfiguration(id, (cur) => {
        // As the refresher: credentials changed meanwhile win (a re-seal counts as a change).
        replaced = !sameSealed(cur.credentials_sealed, record.credentials_sealed);
        return replaced ? cur : { ...cur, credentials_type: 'oauth2', credentials_sealed: sealed };
      });
      if (replaced) throw new Error('the record was re-sealed under the refresh lease: the refreshed tokens were dropped');
      process.stdout.write('STORED\n');
      process.stdin.resume();
      await once(process.stdin, 'data');
    });
  }
} finally {
  await ctx.close();
}
