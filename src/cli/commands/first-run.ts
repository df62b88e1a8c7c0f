import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../../app/context.js';
import type { Principal } from '../../domain/principal.js';
import type { CliIO } from '../io.js';

/**
 * First start of the HTTP server with no usable key for the local principal: make one so the
 * server can be called at all, and say how. The secret goes to stdout (in http mode stdout is not a
 * transport) exactly once; later starts find the key and print nothing.
 */
export async function ensureFirstRunKey(ctx: AppContext, io: CliIO, principal: Principal, url: string): Promise<boolean> {
  const keys = await ctx.apiKeys.list(principal.organization_id);
  const usable = keys.some((k) => k.revoked_at === undefined && k.user_id === principal.user_id);
  if (usable) return false;
  const key = await ctx.apiKeys.create({
    organization_id: principal.organization_id,
    ...(principal.user_id !== undefined ? { user_id: principal.user_id } : {}),
    name: 'first-run',
  });
  io.stdout.write(nextSteps(url, key.id, key.secret, ctx.dataFile));
  return true;
}

/**
 * The absolute path of the built entry point, which is what Claude Desktop must run: the package is
 * not published, so `npx mcp-connector-gateway` would find nothing. Under tsx (development) this
 * module lives in src/, and the path is where `npm run build` puts the binary.
 */
export function builtMainPath(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const distMarker = `${sep}dist${sep}src${sep}cli${sep}`;
  if (here.includes(distMarker)) return resolve(here, '..', 'main.js');
  return join(resolve(here, '..', '..', '..'), 'dist', 'src', 'cli', 'main.js');
}

/**
 * The Inspector command line printed on the first start. Pinned: it must run on every Node the
 * gateway supports (20 and 24) from any folder. `@modelcontextprotocol/inspector` needs Node 22.7.5
 * or newer (2.x: 22.19) and fails on 20; inspector-cli 0.17 and later read `../package.json` relative
 * to the working folder and fail outside a project. 0.16.8 does neither (test/install/first-run-inspector.test.ts).
 */
export const INSPECTOR_CLI = '@modelcontextprotocol/inspector-cli@0.16.8';

export function nextSteps(baseUrl: string, keyId: string, secret: string, dataFile: string, mainPath: string = builtMainPath()): string {
  const mcpUrl = `${baseUrl}/mcp`;
  const indent = (json: unknown) =>
    JSON.stringify(json, null, 2)
      .split('\n')
      .map((l) => '  ' + l)
      .join('\n');
  const desktop = { mcpServers: { 'connector-gateway': { command: 'node', args: [mainPath, 'serve'], env: { CONNECTOR_GATEWAY_DATA: dataFile } } } };
  const remote = {
    mcpServers: {
      'connector-gateway-http': {
        command: 'npx',
        args: ['mcp-remote', mcpUrl, '--header', 'Authorization: Bearer ${CGW_KEY}'],
        env: { CGW_KEY: '<the secret above>' },
      },
    },
  };
  return [
    '',
    `First run: created API key ${keyId}. Its secret is shown only now; store it safely:`,
    '',
    `  ${secret}`,
    '',
    'Next steps',
    '',
    '1. Create a configuration (here: GitHub with a personal access token):',
    '',
    `  curl -sS ${baseUrl}/v1/personal_connectors/configurations \\`,
    `    -H "Authorization: Bearer ${secret}" -H "Content-Type: application/json" \\`,
    `    -d '{"personal_connector_id":"pc_github","name":"My GitHub","configuration":{"repository":"owner/repo"},"credentials":{"type":"api_key","api_key":"<your GitHub token>"}}'`,
    '',
    '2. List the tools with the MCP Inspector:',
    '',
    `  npx -y ${INSPECTOR_CLI} --cli ${mcpUrl} --transport http --header "Authorization: Bearer ${secret}" --method tools/list`,
    '',
    `   (on Node 22.19 or newer, npx @modelcontextprotocol/inspector opens its web UI: choose Streamable HTTP, URL ${mcpUrl}, header Authorization: Bearer <secret>)`,
    '',
    '3. Claude Desktop (claude_desktop_config.json) runs the gateway over stdio on the same data (run npm run build first):',
    '',
    indent(desktop),
    '',
    '   or connects to this HTTP server through mcp-remote, with the secret in the environment:',
    '',
    indent(remote),
    '',
  ].join('\n') + '\n';
}
