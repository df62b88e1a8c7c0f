/**
 * The fuzz suites of test/fuzz with many more runs (FUZZ_RUNS, default 2000 here): the same
 * properties as the default suite, which keeps its runs small to stay fast.
 */
process.env.FUZZ_RUNS ??= '2000';

await import('../fuzz/rest-bodies.test.js');
await import('../fuzz/mcp-jsonrpc.test.js');
await import('../fuzz/tool-arguments.test.js');
await import('../fuzz/tool-table.test.js');
