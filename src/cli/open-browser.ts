import type { ChildProcess } from 'node:child_process';
import open from 'open';

export type OpenOutcome = { opened: true } | { opened: false; reason: string };

/**
 * Asks the desktop to show `url` in the default browser, with `open` (xdg-open, macOS open,
 * Windows start, WSL). It never throws: a machine without a browser (a server, a container, CI)
 * is normal, and the caller has already printed the URL. The opener usually exits as soon as the
 * browser has the URL; one that stays (some xdg-open setups wait for the browser) is left running
 * unreferenced after `settleMs`, and counts as opened.
 */
export async function openBrowser(url: string, opts: { settleMs?: number } = {}): Promise<OpenOutcome> {
  let child: ChildProcess;
  try {
    // The opener inherits this process's environment (BROWSER, DISPLAY, PATH): the user's choice.
    child = await open(url, { wait: false });
  } catch (e) {
    return { opened: false, reason: e instanceof Error ? e.message : String(e) };
  }
  // `open` unreferences the opener; until it has answered, it must keep this process alive.
  child.ref();
  return new Promise<OpenOutcome>((resolve) => {
    const timer = setTimeout(() => {
      child.unref();
      resolve({ opened: true });
    }, opts.settleMs ?? 10_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ opened: false, reason: e.message });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? { opened: true } : { opened: false, reason: signal ? `the opener stopped on ${signal}` : `the opener exited with ${code ?? '?'}` });
    });
  });
}

