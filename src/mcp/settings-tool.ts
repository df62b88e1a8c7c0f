import type { CallToolResult, Tool } from '@modelcontextprotocol/server';

/** A one-time sign-in link to the local management page (offered by src/app). */
export interface LocalPageLink {
  /** `http://127.0.0.1:<port>/ui/#token=…`: the token rides in the fragment, which no server log or Referer sees. */
  url: string;
  /** The page without a token (already signed-in browsers). */
  page_url: string;
  expires_at: string;
}

/**
 * The stdio server's own tool. Its name is one of the gateway's own (GATEWAY_TOOL_NAMES), which no
 * configuration's tool is given: a choice of prefix that would is refused, and an upstream tool of
 * an empty-prefix configuration that is called so is listed under a suffixed name.
 */
export const SETTINGS_TOOL_NAME = 'open-gateway-settings';

export const SETTINGS_TOOL: Tool = {
  name: SETTINGS_TOOL_NAME,
  title: 'Open the connector settings page',
  description:
    'Returns a link to the Connector Gateway settings page on this computer, where the user adds, connects, tests and removes ' +
    'their connector configurations (GitHub, ClickUp, Jira, Microsoft Teams, remote MCP servers). Show the link to the user to ' +
    'open in their browser; it signs in once and expires in 10 minutes, so ask for a new one when needed. New tools appear ' +
    'here as soon as a configuration is saved.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  outputSchema: {
    type: 'object',
    properties: {
      url: { type: 'string', description: 'the sign-in link (single use)' },
      expires_at: { type: 'string', description: 'when the link stops working (ISO 8601)' },
    },
    required: ['url', 'expires_at'],
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
};

export const SETTINGS_INSTRUCTIONS =
  ` To add or change configurations (connect GitHub, Jira, ClickUp, Teams or a remote MCP server), call ${SETTINGS_TOOL_NAME}: ` +
  'it returns a link to a settings page on this computer for the user to open in a browser.';

/** What the stdio server offers besides the configurations' tools. */
export interface SettingsPageTool {
  link(): Promise<LocalPageLink>;
}

export async function callSettingsTool(page: SettingsPageTool, args: Record<string, unknown>): Promise<CallToolResult> {
  const extra = Object.keys(args);
  if (extra.length > 0) return { content: [{ type: 'text', text: `${SETTINGS_TOOL_NAME} takes no arguments (got ${extra.join(', ')})` }], isError: true };
  const link = await page.link();
  return {
    content: [
      {
        type: 'text',
        text: `Open the Connector Gateway settings page: ${link.url}\nThe link signs you in once and expires at ${link.expires_at}; ask for a new one after that.`,
      },
    ],
    structuredContent: { url: link.url, expires_at: link.expires_at },
  };
}
