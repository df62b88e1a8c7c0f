import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConformanceEverything } from '../fakes/conformance-everything.js';
import { FIXTURE_EXPECTATIONS, failures, listServerScenarios, runSuite, successIds, warningIds, type ScenarioRun } from './runner.js';

/**
 * Every server scenario of the installed conformance runner, straight against the everything
 * fixture (no gateway): the baseline a relay in between is held to. The list comes from the runner
 * itself, so a scenario added by an upgrade runs here (and must pass) rather than being skipped.
 * The whole suite runs in one runner process (one process per scenario costs ~1 s of CPU each).
 */
const SCENARIOS = listServerScenarios();

describe('conformance server scenarios against the everything fixture, directly', () => {
  let fixture: Awaited<ReturnType<typeof startConformanceEverything>>;
  let runs: Map<string, ScenarioRun>;

  beforeAll(async () => {
    fixture = await startConformanceEverything();
    runs = await runSuite(fixture.url);
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('ran exactly the listed scenarios, and the run as a whole passed', () => {
    expect([...runs.keys()].sort()).toEqual([...SCENARIOS].sort());
    expect(SCENARIOS).toEqual(expect.arrayContaining(Object.keys(FIXTURE_EXPECTATIONS)));
    expect([...runs.values()][0]?.exitCode).toBe(0);
  });

  it.each(SCENARIOS)('%s passes', (scenario) => {
    const run = runs.get(scenario);
    expect(run, `${scenario} did not run`).toBeDefined();
    if (!run) return;
    const report = `checks: ${JSON.stringify(run.checks, null, 1)}`;
    expect(failures(run), report).toEqual([]);
    expect(successIds(run).length, report).toBeGreaterThan(0);
    const expected = FIXTURE_EXPECTATIONS[scenario];
    expect(warningIds(run), report).toEqual(expected?.warnings ?? []);
    expect(successIds(run), report).toEqual(expect.arrayContaining(expected?.mustSucceed ?? []));
  });
});
