/**
 * A failing property prints its seed (fast-check's report); FUZZ_SEED=<seed> replays that run
 * exactly, in any fuzz file. Without it every run explores new inputs.
 */
import fc from 'fast-check';

const raw = process.env.FUZZ_SEED;
if (raw !== undefined && raw !== '') {
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer (the seed a failing fast-check run printed), not ${JSON.stringify(raw)}`);
  fc.configureGlobal({ seed });
}
