/** This build's version: `connector-gateway --version`, and the serverInfo the MCP faces announce. Kept equal to package.json's. */
export const VERSION = '0.1.0';
