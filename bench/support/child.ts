import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GetJob, GetResult, Job, SignInJob, SignInResult } from './loadgen.js';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

/**
 * Runs one load job in a child Node process (TypeScript through tsx's loader) and returns its
 * figures. The server keeps its own process and event loop; the OS spreads the two (and
 * PostgreSQL) over the cores. `onMeasuring` is called when the measured phase starts (after the
 * warm-up), so the parent can take its own readings over the same interval.
 */
export function runLoad(job: GetJob, onMeasuring?: () => void): Promise<GetResult>;
export function runLoad(job: SignInJob, onMeasuring?: () => void): Promise<SignInResult>;
export function runLoad(job: Job, onMeasuring?: () => void): Promise<GetResult | SignInResult> {
  return runJob(LOADGEN, job, onMeasuring);
}

/**
 * The same arrangement for any load-generator module: `modulePath` (a .ts file run through tsx)
 * receives one job by IPC and answers with `{ type: 'measuring' }` when its measured phase starts,
 * then `{ type: 'done', ok, result | error }`, as loadgen.ts does.
 */
export function runJob<J, R>(modulePath: string, job: J, onMeasuring?: () => void): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = fork(modulePath, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on(
      'message',
      (
        msg:
          | { type: 'measuring' }
          | { type: 'done'; ok: true; result: R }
          | { type: 'done'; ok: false; error: string },
      ) => {
        if (msg.type === 'measuring') {
          onMeasuring?.();
          return;
        }
        settled = true;
        if (msg.ok) resolve(msg.result);
        else reject(new Error(`load generator failed: ${msg.error}`));
      },
    );
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited with code ${code} before answering`));
    });
    child.send(job as object);
  });
}
