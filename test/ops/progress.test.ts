import { describe, expect, it } from 'vitest';
import { createProgress, eachWithProgress, progressEnabled } from '../../src/cli/progress.js';
import { cliHarness } from '../cli/harness.js';
import { runCli as spawnCli, tempEnv } from '../helpers/cli.js';

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
    let running = 0;
    let peak = 0;
    const reported: number[] = [];
    const results = await eachWithProgress(
      [5, 1, 4, 2, 3, 0],
      2,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, n));
        running--;
        return n * 10;
      },
      (_n, _r, done) => reported.push(done),
    );
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
    expect(reported).toEqual([1, 2, 3, 4, 5, 6]);
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
