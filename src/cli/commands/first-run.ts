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

export function nextSteps(baseUrl: string, keyId: string, secret: string, dataFile: string): string {
  const mcpUrl = `${baseUrl}/mcp`;
  const desktop = JSON.stringify(
    { mcpServers: { 'connector-gateway': { command: 'npx', args: ['-y', 'mcp-connector-gateway', 'serve'], env: { CONNECTOR_GATEWAY_DATA: dataFile } } } },
    null,
    2,
  );
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
    `  npx @modelcontextprotocol/inspector --cli ${mcpUrl} --transport http --header "Authorization: Bearer ${secret}" --method tools/list`,
    '',
    `   (or run npx @modelcontextprotocol/inspector, choose Streamable HTTP, URL ${mcpUrl}, header Authorization: Bearer <secret>)`,
    '',
    '3. Claude Desktop (claude_desktop_config.json) runs the gateway over stdio on the same data:',
    '',
    desktop
      .split('\n')
      .map((l) => '  ' + l)
      .join('\n'),
    '',
  ].join('\n') + '\n';
}
