import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { type PorTask, type PorTaskResult, runPorTask } from './por-tasks.js';

/** Runs the units of a proof-of-reserves build: on this thread, or on a pool of worker threads. */
export interface PorTaskRunner {
  /** 0 when the tasks run on the calling thread. */
  readonly threads: number;
  run<T extends PorTask>(task: T, options?: RunOptions): Promise<PorTaskResult<T>>;
  close(): Promise<void>;
}

export interface RunOptions {
  /** Buffers handed to the worker with the task (the caller loses them). */
  readonly transfer?: readonly ArrayBuffer[];
  readonly onProgress?: (n: number) => void;
}

/** The default number of worker threads: one per core the process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Runs every task on the calling thread, one at a time, in the order they were asked for. */
export function inlineRunner(): PorTaskRunner {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    threads: 0,
    run<T extends PorTask>(task: T, options?: RunOptions): Promise<PorTaskResult<T>> {
      const result = chain.then(() => runPorTask(nodePorCrypto.sha256, task, options?.onProgress));
      chain = result.catch(() => undefined);
      return result;
    },
    close: () => Promise.resolve(),
  };
}

interface Pending {
  readonly task: PorTask;
  readonly options: RunOptions | undefined;
  readonly resolve: (value: never) => void;
  readonly reject: (err: Error) => void;
}

type WorkerReply =
  | { readonly progress: number }
  | { readonly done: true; readonly result: unknown }
  | { readonly error: string; readonly stack?: string };

/**
 * Starts the worker module beside this one: `tree-worker.js` in the compiled dist/, or
 * `tree-worker.ts` when this file runs as TypeScript under tsx (a checkout: `npm run custos`,
 * tests). Node 20 does not hand the loader hooks of the starting thread (tsx's) on to a worker,
 * and ignores `--import` in a worker's `execArgv`, so a small bootstrap registers tsx's ESM loader
 * in the worker itself (`tsx/esm/api`), then imports the module.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./tree-worker.js', import.meta.url));
  const entry = new URL('./tree-worker.ts', import.meta.url).href;
  const bootstrap =
    `import(${JSON.stringify(tsxApiUrl())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/** The URL of tsx's ESM API, from its package.json (its CommonJS build cannot register ESM hooks). */
function tsxApiUrl(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(path.join(path.dirname(manifest), pkg.exports['./esm/api']!.import.default)).href;
}

/** A fixed pool of worker threads taking tasks first come, first served. */
export function workerPool(threads: number): PorTaskRunner {
  const queue: Pending[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  let failure: Error | undefined;

  const fail = (err: Error) => {
    failure ??= err;
    for (const p of busy.values()) p.reject(err);
    busy.clear();
    for (const p of queue.splice(0)) p.reject(err);
  };

  const dispatch = () => {
    while (idle.length && queue.length) {
      const worker = idle.pop()!;
      const job = queue.shift()!;
      busy.set(worker, job);
      worker.postMessage(job.task, [...(job.options?.transfer ?? [])]);
    }
  };

  const workers = Array.from({ length: threads }, () => {
    const worker = startWorker();
    worker.on('message', (reply: WorkerReply) => {
      const job = busy.get(worker);
      if (!job) return;
      if ('progress' in reply) {
        job.options?.onProgress?.(reply.progress);
        return;
      }
      busy.delete(worker);
      idle.push(worker);
      if ('error' in reply) {
        const err = new Error(reply.error);
        if (reply.stack) err.stack = reply.stack;
        job.reject(err);
      } else job.resolve(reply.result as never);
      dispatch();
    });
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => {
      if (busy.has(worker) || code !== 0)
        fail(new Error(`a proof-of-reserves worker stopped (exit code ${code})`));
    });
    idle.push(worker);
    return worker;
  });

  return {
    threads,
    run<T extends PorTask>(task: T, options?: RunOptions): Promise<PorTaskResult<T>> {
      if (failure) return Promise.reject(failure);
      return new Promise<PorTaskResult<T>>((resolve, reject) => {
        queue.push({ task, options, resolve: resolve as (value: never) => void, reject });
        dispatch();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
