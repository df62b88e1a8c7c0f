/**
 * `connector-gateway ui`: the address of the management page (`/ui` of the HTTP server), opened
 * with the desktop's opener (the `open` package's xdg-open here) when a gateway answers there.
 * A fake browser is a real script named by BROWSER (xdg-open's own rule without a desktop session);
 * "no browser" is a session without DISPLAY or BROWSER, where xdg-open finds nothing and fails.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TIMEOUT_MS, waitFor } from '../helpers/timing.js';
import { spawnServer } from '../../bench/harness.js';
import { uiUrl } from '../../src/cli/commands/ui.js';
import { desktopHome, type DesktopHome } from './desktop-home.js';

/** A port nothing listens on: bound by the system, then released. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

let h: DesktopHome;
let server: Awaited<ReturnType<typeof spawnServer>>;
let port: string;

beforeAll(async () => {
  h = await desktopHome();
  server = await spawnServer(join(h.home, 'data.json'), h.env({ CONNECTOR_GATEWAY_KEY: randomBytes(32).toString('base64') }));
  port = new URL(server.url).port;
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
  await h?.remove();
});

describe('ui', { timeout: TEST_TIMEOUT_MS }, () => {
  it('--no-open prints the address serve would listen on, from the same flags and variables', async () => {
    const plain = await h.cli(['ui', '--no-open']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe('http://127.0.0.1:3333/ui\n');
    const env = await h.cli(['ui', '--no-open', '--json'], { CONNECTOR_GATEWAY_HOST: '0.0.0.0', CONNECTOR_GATEWAY_PORT: '4444' });
    expect(JSON.parse(env.stdout)).toEqual({ object: 'ui', url: 'http://127.0.0.1:4444/ui', server_reachable: null, opened: false });
    // The rest of the address rules, without a process each.
    expect(uiUrl({ host: '::', port: '8080' }, {})).toBe('http://[::1]:8080/ui');
    expect(uiUrl({ host: 'gw.local' }, { CONNECTOR_GATEWAY_PORT: '80' })).toBe('http://gw.local/ui');
    expect(uiUrl({ url: 'https://gw.example.com/base/' }, { CONNECTOR_GATEWAY_PORT: '1' })).toBe('https://gw.example.com/base/ui');
  });

  it('names the flag and the rule on bad input', async () => {
    const r = await h.cli(['ui', '--no-open', '--port', '99999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('port: --port must be 1-65535');
    expect(() => uiUrl({ port: '0' }, {})).toThrow('port: --port must be 1-65535, not "0"');
    expect(() => uiUrl({ url: 'ftp://x' }, {})).toThrow('url: --url must be http or https');
    expect(() => uiUrl({ url: 'gw.example.com' }, {})).toThrow('url: --url must be an absolute http(s) URL');
    expect(() => uiUrl({ url: 'https://me:pw@gw.example.com' }, {})).toThrow('url: --url must not carry a user name or password');
    expect(() => uiUrl({ host: 'a b' }, {})).toThrow('host: --host must be a host name or IP address');
  });

  it('opens the page in the browser when the gateway answers', async () => {
    const opened = join(h.home, 'opened.txt');
    const browser = join(h.home, 'fake-browser');
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(browser, 0o755);
    const r = await h.cli(['ui', '--port', port, '--json'], { BROWSER: browser });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ object: 'ui', url: `http://127.0.0.1:${port}/ui`, server_reachable: true, opened: true });
    // An opener may still be running when the command settles (it counts as opened): wait for the browser.
    expect(await waitFor(() => readFile(opened, 'utf8'), 'the fake browser to be given the address')).toBe(`http://127.0.0.1:${port}/ui`);
  });

  it('does not fail when there is no browser: the address is printed and the reason is said', async () => {
    const r = await h.cli(['ui', '--port', port], { PATH: '/usr/bin:/bin' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`http://127.0.0.1:${port}/ui\n`);
    expect(r.stderr).toMatch(/could not open a browser \(the opener exited with \d+\); open the address above yourself/);
  });

  it('says how to start the server when nothing answers, and opens nothing', async () => {
    const opened = join(h.home, 'never.txt');
    const browser = join(h.home, 'fake-browser-2');
    await writeFile(browser, `#!/bin/sh\ntouch '${opened}'\n`);
    await chmod(browser, 0o755);
    const free = await freePort();
    const r = await h.cli(['ui', '--port', String(free)], { BROWSER: browser });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`http://127.0.0.1:${free}/ui\n`);
    expect(r.stderr).toContain('no gateway answers there (ECONNREFUSED); start it with: connector-gateway serve --transport http');
    await expect(readFile(opened)).rejects.toThrow(/ENOENT/);
  });
});
