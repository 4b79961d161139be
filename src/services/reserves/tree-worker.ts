import { parentPort } from 'node:worker_threads';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import type { TreeLevel } from '../../domain/reserves/sum-tree.js';
import { type PorTask, runPorTask, transferablesOf } from './por-tasks.js';

/** A worker thread of `workerPool`: runs one task at a time and replies with its result. */
const port = parentPort;
if (!port) throw new Error('tree-worker.ts runs as a worker thread only');

port.on('message', (task: PorTask) => {
  try {
    const result = runPorTask(nodePorCrypto.sha256, task, (progress) => port.postMessage({ progress }));
    const transfer = task.kind === 'subtree' ? transferablesOf(result as TreeLevel[]) : [];
    port.postMessage({ done: true, result }, transfer);
  } catch (err) {
    port.postMessage({ error: (err as Error).message, stack: (err as Error).stack });
  }
});
