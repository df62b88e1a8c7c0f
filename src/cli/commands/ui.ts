import type { Command } from 'commander';
import { ValidationError } from '../../domain/errors.js';
import { escapeControl } from '../../domain/terminal-text.js';
import { nonEmpty } from '../args.js';
import { ExitCode } from '../errors.js';
import type { CliIO } from '../io.js';
import { openBrowser } from '../open-browser.js';
import { printJson } from '../output.js';

interface UiFlags {
  url?: string;
  host?: string;
  port?: string;
  open: boolean;
  json?: boolean;
}

/**
 * The management page's address: `<server>/ui`, where the server is `--url`, else the address
 * `serve --transport http` listens on by the same flags and variables. A wildcard bind address is
 * reached on loopback.
 */
export function uiUrl(flags: { url?: string; host?: string; port?: string }, env: NodeJS.ProcessEnv): string {
  if (flags.url !== undefined) {
    let u: URL;
    try {
      u = new URL(flags.url);
    } catch {
      throw new ValidationError(`url: --url must be an absolute http(s) URL, not ${JSON.stringify(flags.url)}`, 'url');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ValidationError(`url: --url must be http or https, not ${u.protocol}`, 'url');
    if (u.username !== '' || u.password !== '') throw new ValidationError('url: --url must not carry a user name or password', 'url');
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}/ui`;
  }
  let host = flags.host ?? nonEmpty(env.CONNECTOR_GATEWAY_HOST) ?? '127.0.0.1';
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::' || host === '[::]') host = '::1';
  const portText = flags.port ?? nonEmpty(env.CONNECTOR_GATEWAY_PORT) ?? '3333';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new ValidationError(`port: --port must be 1-65535, not ${JSON.stringify(portText)}`, 'port');
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let u: URL;
  try {
    u = new URL(`http://${hostPart}:${port}/ui`);
  } catch {
    throw new ValidationError(`host: --host must be a host name or IP address, not ${JSON.stringify(host)}`, 'host');
  }
  return u.href;
}

/** Whether a gateway answers /healthz next to the page; the reason when not. */
async function probe(pageUrl: string): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('../healthz', pageUrl.endsWith('/') ? pageUrl : `${pageUrl}/`), { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
    await res.body?.cancel();
    return res.ok ? undefined : `/healthz answered ${res.status}`;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    return cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
  }
}

export function registerUi(program: Command, io: CliIO): void {
  program
    .command('ui')
    .description('print the address of the management page (/ui of the HTTP server) and open it in the browser')
    .option('--url <base>', 'the HTTP server, e.g. https://gateway.example.com (default: http://<host>:<port>)')
    .option('--host <host>', 'address the server listens on (env CONNECTOR_GATEWAY_HOST, default 127.0.0.1)')
    .option('--port <port>', 'its port (env CONNECTOR_GATEWAY_PORT, default 3333)')
    .option('--no-open', 'only print the address')
    .option('--json', 'print {object, url, server_reachable, opened} as JSON')
    .action(async (flags: UiFlags) => {
      const url = uiUrl(flags, io.env);
      if (!flags.open) {
        if (flags.json) printJson(io, { object: 'ui', url, server_reachable: null, opened: false });
        else io.stdout.write(`${url}\n`);
        return;
      }
      const down = await probe(url);
      if (down !== undefined) {
        if (flags.json) printJson(io, { object: 'ui', url, server_reachable: false, opened: false });
        else io.stdout.write(`${url}\n`);
        io.stderr.write(`no gateway answers there (${escapeControl(down)}); start it with: connector-gateway serve --transport http\n`);
        throw new ExitCode(1);
      }
      const outcome = await openBrowser(url);
      if (flags.json) printJson(io, { object: 'ui', url, server_reachable: true, opened: outcome.opened });
      else io.stdout.write(`${url}\n`);
      // No browser is not a failure: the address is printed, open it wherever you have one.
      if (!outcome.opened) io.stderr.write(`could not open a browser (${escapeControl(outcome.reason)}); open the address above yourself\n`);
    });
}
