import { describe, expect, it } from 'vitest';
import { createProgress, eachWithProgress, progressEnabled } from '../../src/cli/progress.js';
import { cliHarness } from '../cli/harness.js';
import { runCli as spawnCli, tempEnv } from '../helpers/cli.js';
import { waitFor } from '../helpers/timing.js';

describe('progress: on a terminal, quiet in pipes', () => {
  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: false }, {}, false],
    [{}, {}, false],
    [{ isTTY: true }, { TERM: 'dumb' }, false],
    [{ isTTY: true }, { CI: 'true' }, false],
    [{ isTTY: true }, { CI: 'false' }, true],
    [{ isTTY: true }, { CONNECTOR_GATEWAY_PROGRESS: '0' }, false],
    [{ isTTY: false }, { CONNECTOR_GATEWAY_PROGRESS: '1' }, true],
  ] as const)('stderr %j with env %j → %s', (stderr, env, expected) => {
    expect(progressEnabled(stderr, env)).toBe(expected);
  });

  it('writes numbered lines to stderr only when enabled', () => {
    const lines: string[] = [];
    const io = { env: {}, stderr: { write: (s: string) => void lines.push(s) } };
    const off = createProgress(io, false);
    off.step('nothing');
    off.item(1, 2, 'nothing');
    expect(lines).toEqual([]);
    const on = createProgress(io, true);
    on.step('checking 12 things…');
    on.item(3, 12, 'pconf_x My\nGitHub: ok');
    expect(lines).toEqual(['checking 12 things…\n', '[ 3/12] pconf_x My GitHub: ok\n']);
  });

  it('runs a bounded number at once, reports each, keeps the order of results', async () => {
    // Each item finishes when the test says so (no timers): the finishing order differs from the
    // input order on purpose, and the bound is checked at every step.
    const waiting = new Map<number, () => void>();
    const started: number[] = [];
    const reported: number[] = [];
    const run = eachWithProgress(
      [5, 1, 4, 2, 3, 0],
      2,
      async (n) => {
        started.push(n);
        await new Promise<void>((r) => waiting.set(n, r));
        waiting.delete(n);
        return n * 10;
      },
      (n, _r, done) => reported.push(n * 100 + done),
    );
    const finish = async (n: number) => {
      await waitFor(() => waiting.has(n), `item ${n} to be running`);
      expect(waiting.size).toBe(2);
      waiting.get(n)?.();
    };
    await finish(1);
    await finish(4);
    await finish(5);
    await finish(3);
    await finish(0);
    expect(waiting.size).toBe(1); // only 2 is left: fewer items than the bound
    waiting.get(2)?.();
    expect(await run).toEqual([50, 10, 40, 20, 30, 0]);
    expect(started).toEqual([5, 1, 4, 2, 3, 0]);
    expect(reported).toEqual([101, 402, 503, 304, 5, 206]);
  });

  it('doctor in a pipe prints the report and no progress; forced on, one line per configuration', async () => {
    const h = await cliHarness();
    try {
      const create = (name: string) =>
        h.run(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', name, '--config', JSON.stringify({ endpoint: 'http://127.0.0.1:9/mcp' }), '--disabled']);
      expect((await create('one')).code).toBe(0);
      expect((await create('two')).code).toBe(0);
      await h.run(['configs', 'update', (JSON.parse((await h.run(['configs', 'list', '--json'])).stdout) as { data: { id: string }[] }).data[0]!.id, '--enable']);
      const env = { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' };
      const piped = await h.run(['doctor'], { env });
      expect(piped.stderr).not.toMatch(/\[\d+\/\d+\]|checking/);
      const forced = await h.run(['doctor'], { env: { ...env, CONNECTOR_GATEWAY_PROGRESS: '1' } });
      expect(forced.stderr).toMatch(/checking 1 enabled configuration/);
      expect(forced.stderr.match(/^\[1\/1\] pconf_\w+ one: FAILED$/gm)).toHaveLength(1);
      // stdout is the same whether progress shows or not
      expect(forced.stdout).toBe(piped.stdout);
    } finally {
      await h.close();
    }
  });

  it('configs test with several ids: one progress line each on a terminal, a list as the result', async () => {
    const h = await cliHarness();
    try {
      const env = { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' };
      const ids: string[] = [];
      for (const name of ['one', 'two', 'three']) {
        const r = await h.run(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', name, '--config', JSON.stringify({ endpoint: 'http://127.0.0.1:9/mcp' }), '--json'], { env });
        ids.push((JSON.parse(r.stdout) as { id: string }).id);
      }
      const piped = await h.run(['configs', 'test', ...ids, '--json'], { env });
      // every check failed, so the command fails (exit 1) and names each unhealthy configuration on stderr
      expect(piped.code).toBe(1);
      expect(piped.stderr.match(/^error: pconf_\w+ is unhealthy: /gm)).toHaveLength(3);
      expect(piped.stderr).not.toMatch(/\[\d+\/\d+\]/);
      const list = JSON.parse(piped.stdout) as { object: string; data: { id: string; health_status: string }[] };
      expect(list.object).toBe('list');
      expect(list.data.map((c) => c.id)).toEqual(ids);
      expect(list.data.every((c) => c.health_status === 'unhealthy')).toBe(true);
      const shown = await h.run(['configs', 'test', ...ids], { env: { ...env, CONNECTOR_GATEWAY_PROGRESS: '1' } });
      expect(shown.stderr.match(/^\[[123]\/3\] pconf_\w+ (one|two|three): unhealthy$/gm)).toHaveLength(3);
      expect(shown.stdout).toMatch(/^ID\s+NAME\s+HEALTH\s+LAST ERROR/);
    } finally {
      await h.close();
    }
  });

  it('the built binary with stderr piped writes nothing extra for keyring rotate', async () => {
    const env = { ...tempEnv(), CONNECTOR_GATEWAY_KEY: '' };
    const r = await spawnCli(['keyring', 'rotate'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^New primary key/);
  });
});
