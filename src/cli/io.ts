/** Where a command reads and writes: the real process in main.ts, buffers in tests. */
export interface CliIO {
  env: NodeJS.ProcessEnv;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Whole standard input, for `--credentials-file -`. */
  readStdin(): Promise<string>;
}

export function processIO(): CliIO {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
