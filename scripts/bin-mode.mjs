// tsc writes files 0644. The package's bin must be executable without relying on npm's bin-links
// having run: `npx <repository>` reuses a cached link to a checkout whose dist/ was rebuilt since.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
