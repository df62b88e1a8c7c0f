import { describe, expect, it } from 'vitest';
import { runCrashLoop } from '../long/crash-run.js';

/** The default-suite slice of the crash loop (test/long/crash.test.ts runs 50+ kills). */
describe('crash safety (short)', () => {
  it('survives 5 SIGKILLs mid-write without losing an acknowledged write', async () => {
    const report = await runCrashLoop({ kills: 5, writers: 4, maxKillDelayMs: 300 });
    console.info(`[crash short] ${JSON.stringify({ ...report, lostWrites: report.lostWrites.length, phantomRecords: report.phantomRecords.length })}`);
    expect(report.lostWrites).toEqual([]);
    expect(report.phantomRecords).toEqual([]);
    expect(report.kills).toBe(5);
    expect(report.restarts).toBe(5);
    expect(report.acknowledged).toBeGreaterThan(0);
  });
});
