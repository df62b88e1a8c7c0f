/**
 * OAuth refresh on the call path: a tool call whose access token has expired (the gateway must run
 * a refresh grant against a real provider, seal and store the new tokens) vs. one whose token is
 * warm, interleaved in the same run, through the gateway's Streamable HTTP endpoint.
 *
 * Each sample first re-seals the credential (expired or still valid), because that is the only way
 * to expire a token on demand. Re-sealing changes the configuration's fingerprint, so the gateway
 * re-discovers it in both cases; the expired case additionally pays the refresh and the
 * re-discovery that storing the refreshed tokens triggers. The difference is the refresh's cost.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { openAppContext, type AppContext } from '../src/app/context.js';
import { createConnectService } from '../src/app/connect.js';
import { silentLogger } from '../src/domain/logger.js';
import type { Principal } from '../src/domain/principal.js';
import { startServe } from '../src/app/serve.js';
import { bindingOf } from '../src/oauth/vault.js';
import { startOidcProvider } from '../test/fakes/oidc-provider.js';
import { startUpstream } from '../test/fakes/mcp-upstream.js';
import { mcpClient } from './harness.js';
import { ms, stats, table, type BenchSection } from './lib.js';

const SAMPLES = Number(process.env.BENCH_REFRESH_SAMPLES ?? 100);
const PRINCIPAL: Principal = { organization_id: 'org_bench', user_id: 'usr_bench', via: 'local' };
const TOOL = 'bench_echo';

/** Rewrites the stored credential with an expiry in the past (must refresh) or far ahead (warm). */
async function reseal(ctx: AppContext, id: string, expired: boolean): Promise<void> {
  const record = await ctx.store.getConfiguration(id);
  if (!record?.credentials_sealed) throw new Error(`no sealed credentials on ${id}`);
  const current = ctx.vault.open(record.credentials_sealed, bindingOf(record));
  if (current.type !== 'oauth2') throw new Error('expected oauth2 credentials');
  const next = { ...current, expires_at: new Date(Date.now() + (expired ? -60_000 : 50 * 60_000)).toISOString() };
  await ctx.store.updateConfiguration(id, (r) => ({ ...r, credentials_sealed: ctx.vault.seal(next, bindingOf(r)) }));
}

async function call(client: Client): Promise<void> {
  const r = await client.callTool({ name: TOOL, arguments: { message: 'ping' } });
  if (r.isError) throw new Error(`call failed: ${JSON.stringify(r.content)}`);
}

export default async function refreshBench(): Promise<BenchSection> {
  const provider = await startOidcProvider({ accessTokenTtl: 3600 });
  const upstream = await startUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'cgw-bench-refresh-'));
  const settingsFile = join(dir, 'settings.json');
  writeFileSync(
    settingsFile,
    JSON.stringify({
      network: { allow_loopback: true },
      oauth: { pc_custom_mcp: { issuer: provider.issuer, client_id: provider.clientId, client_secret: provider.clientSecret, scopes: ['openid'], authorization_params: { prompt: 'consent' } } },
    }),
  );
  const env = { ...process.env, CONNECTOR_GATEWAY_KEY: randomBytes(32).toString('base64') };
  const ctx = await openAppContext({ dataFile: join(dir, 'data.json'), settingsFile, env, log: silentLogger });
  const serve = await startServe(ctx, { transport: 'http', host: '127.0.0.1', port: 0, principal: PRINCIPAL });
  let client: Client | undefined;
  try {
    // A configuration holding real tokens, made by the product's own connect flow.
    const connect = createConnectService(ctx);
    const started = await connect.start(PRINCIPAL, { personal_connector_id: 'pc_custom_mcp', name: 'Bench', configuration: { endpoint: upstream.url } }, provider.redirectUri);
    const created = await connect.flow.complete(await provider.authorize(started.authorization_url, 'alice'), started.binding);
    const key = await ctx.apiKeys.create({ organization_id: PRINCIPAL.organization_id, user_id: PRINCIPAL.user_id! });
    client = await mcpClient(`${serve.url}/mcp`, { bearer: key.secret });

    const refreshes = () => provider.tokenCalls.refresh_token ?? 0;
    const sample = async (expired: boolean) => {
      const before = refreshes();
      const t0 = performance.now();
      await reseal(ctx, created.id, expired);
      // tools/list waits for the re-discovery the change started, so the call uses the new link.
      await client!.listTools();
      const t1 = performance.now();
      await call(client!);
      const t2 = performance.now();
      const did = refreshes() - before;
      if (did !== (expired ? 1 : 0)) throw new Error(`expected ${expired ? 1 : 0} refresh in this sample, saw ${did}`);
      return { total: t2 - t0, call: t2 - t1 };
    };

    for (let i = 0; i < 10; i++) await sample(i % 2 === 0); // warm-up
    const warm = { total: [] as number[], call: [] as number[] };
    const cold = { total: [] as number[], call: [] as number[] };
    for (let i = 0; i < SAMPLES * 2; i++) {
      // Alternating, so both kinds see the same machine noise.
      const expired = i % 2 === 1;
      const s = await sample(expired);
      const into = expired ? cold : warm;
      into.total.push(s.total);
      into.call.push(s.call);
    }
    const [wt, ct, wc, cc] = [stats(warm.total), stats(cold.total), stats(warm.call), stats(cold.call)];
    return {
      title: 'OAuth refresh on the call path (custom MCP upstream, oidc-provider token endpoint, loopback)',
      markdown: [
        `${SAMPLES} samples per kind, interleaved. A sample re-seals the credential, lists tools (waits for the re-discovery) and calls \`echo\` over Streamable HTTP. Latencies in ms.`,
        '',
        table(
          ['token', 'median (re-seal → result)', 'p99', 'median (call only)', 'p99 (call only)'],
          [
            ['warm', ms(wt.median), ms(wt.p99), ms(wc.median), ms(wc.p99)],
            ['expired (1 refresh)', ms(ct.median), ms(ct.p99), ms(cc.median), ms(cc.p99)],
            ['difference', `+${ms(ct.median - wt.median)}`, `+${ms(ct.p99 - wt.p99)}`, `${ms(cc.median - wc.median)}`, ''],
          ],
        ),
        '',
        'The refresh happens where the token is first needed, here during re-discovery; storing the new tokens changes the configuration again, which costs one more re-discovery. Each expired sample was checked to cause exactly one refresh grant.',
      ].join('\n'),
    };
  } finally {
    await client?.close();
    await serve.close();
    await ctx.close();
    await Promise.all([provider.close(), upstream.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = await refreshBench();
  console.log(`## ${s.title}\n\n${s.markdown}`);
}
