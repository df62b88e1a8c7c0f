/** Bundles the management page into `outDir` (default dist/ui); resolves to that folder. */
export function buildUi(outDir?: string): Promise<string>;
