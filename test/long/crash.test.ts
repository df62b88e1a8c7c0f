import { describe, expect, it } from 'vitest';
import { runCrashLoop } from './crash-run.js';

/** The long crash loop: at least 50 SIGKILLs mid-write (LONG_TESTS=1; CRASH_KILLS raises it). */
const KILLS = Math.max(50, Number(process.env.CRASH_KILLS ?? 50));

describe.runIf(process.env.LONG_TESTS)('crash safety (long)', () => {
  it(`survives ${KILLS} SIGKILLs mid-write without losing an acknowledged write`, async () => {
    const report = await runCrashLoop({ kills: KILLS, writers: 6 });
    console.info(`[crash long] ${JSON.stringify({ ...report, lostWrites: report.lostWrites.length, phantomRecords: report.phantomRecords.length })}`);
    expect(report.lostWrites).toEqual([]);
    expect(report.phantomRecords).toEqual([]);
    expect(report.kills).toBe(KILLS);
    expect(report.restarts).toBe(KILLS);
    expect(report.acknowledged).toBeGreaterThan(KILLS);
  }, KILLS * 10_000 + 60_000);
});
