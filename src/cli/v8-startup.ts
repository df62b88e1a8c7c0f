/** Applies CONNECTOR_GATEWAY_OPTIMIZE_FOR to V8, or exits 2 naming the variable. Imported first by main. */
import { parseOptimizeFor, tuneV8 } from './v8-tuning.js';

const optimizeFor = parseOptimizeFor(process.env.CONNECTOR_GATEWAY_OPTIMIZE_FOR);
if (typeof optimizeFor === 'object') {
  process.stderr.write(`error: ${optimizeFor.error}\n`);
  process.exit(2);
}
tuneV8(optimizeFor);
