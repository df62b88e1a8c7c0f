import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../../src/app/log-format.js';
import { errorLine } from '../../../src/cli/errors.js';
import { printObject, printTable } from '../../../src/cli/output.js';
import { CustomMcpConfigSchema } from '../../../connectors/custom-mcp/config.js';
import { UpstreamError } from '../../../src/domain/errors.js';

function capture() {
  let out = '';
  const w = { write: (s: string) => ((out += s), true) };
  return { io: { stdout: w, stderr: w, stdin: process.stdin, env: {} } as never, text: () => out };
}
// ESC [ 2 J clears the screen; ESC ] 0 ; sets the title; CSI (0x9b) is the one-byte C1 form.
const HOSTILE = 'My \u001b[2J\u001b]0;pwned\u0007 repo\u009b31m \u202eevil';
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('control characters from names and upstream errors never reach the terminal raw', () => {
  it('table and object output', () => {
    const t = capture();
    printTable(t.io, ['ID', 'NAME'], [['pconf_1', HOSTILE]]);
    printObject(t.io, { name: HOSTILE, last_error: `GitHub answered 401: ${HOSTILE}`, metadata: { k: HOSTILE } });
    expect(t.text()).not.toMatch(RAW);
    expect(t.text()).toContain('\\x1b[2J');
  });
  it('error lines and pretty log lines', () => {
    expect(errorLine(new UpstreamError('server', `boom ${HOSTILE}`))).not.toMatch(RAW);
    const line = formatLogLine(JSON.stringify({ time: 0, level: 40, msg: `tool discovery failed ${HOSTILE}`, reason: HOSTILE }));
    expect(line.slice(0, -1)).not.toMatch(RAW);
    expect(line.slice(0, -1)).not.toContain('\n');
  });
});

describe('custom MCP api_key_header', () => {
  it.each(['Host', 'content-length', 'Mcp-Session-Id', 'Transfer-Encoding'])('cannot be the reserved header %s', (h) => {
    const r = CustomMcpConfigSchema.safeParse({ endpoint: 'https://mcp.example.com/mcp', api_key_header: h });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['api_key_header']);
    expect(r.error?.issues[0]?.message).toBe('this header is set by the gateway');
  });
  it('may be an ordinary header', () => {
    expect(CustomMcpConfigSchema.safeParse({ endpoint: 'https://mcp.example.com/mcp', api_key_header: 'X-Api-Key' }).success).toBe(true);
  });
});
