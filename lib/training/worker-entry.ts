/**
 * The worker thread's side of TrainingWorker: builds the trainer from its configuration, then serves one
 * request at a time. A run posts each event as it happens and checks the shared abort flag after each one,
 * so the caller's abort takes effect at the next update boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LpcError } from '../errors.js';
import { LpcTrainer } from './lpc-trainer.js';
import type { Trainer } from './trainer.js';
import { VaeTrainer } from './vae-trainer.js';
import { toWorkerError, type WorkerMessage, type WorkerRequest, type WorkerStart } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new LpcError('LPC_INVALID_STATE', 'worker-entry runs only as a worker thread (started by TrainingWorker)');
const start = workerData as WorkerStart;
const abortFlag = new Int32Array(start.abortFlag);
const post = (message: WorkerMessage) => port.postMessage(message);

async function serve(trainer: Trainer, request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'run': {
      const controller = new AbortController();
      if (Atomics.load(abortFlag, 0) === 1) controller.abort();
      const { stateEvery, ...run } = request.run;
      for await (const event of trainer.run({ ...run, signal: controller.signal })) {
        const withState = stateEvery !== undefined && event.type === 'update' && event.update % stateEvery === 0;
        post({ kind: 'event', id: request.id, event: withState ? { ...event, state: trainer.getState() } : event });
        if (Atomics.load(abortFlag, 0) === 1) controller.abort();
      }
      return undefined;
    }
    case 'getState':
      return trainer.getState();
    case 'setState':
      trainer.setState(request.state);
      return undefined;
    case 'export':
      return { decoder: trainer.exportDecoder(), encoder: trainer.exportEncoder() };
    case 'close':
      await trainer.dispose();
      return undefined;
  }
}

async function main(): Promise<void> {
  let trainer: Trainer;
  try {
    const { config } = start;
    trainer = config.algo === 'lpc' ? await LpcTrainer.create(config.options) : await VaeTrainer.create(config.options);
  } catch (error) {
    post({ kind: 'failed', error: toWorkerError(error) });
    return;
  }
  // Requests arrive one at a time (the caller awaits each reply), so they are served in order.
  let queue: Promise<void> = Promise.resolve();
  port!.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      try {
        const value = await serve(trainer, request);
        post({ kind: 'reply', id: request.id, ok: true, value });
        if (request.op === 'close') port!.close();
      } catch (error) {
        post({ kind: 'reply', id: request.id, ok: false, error: toWorkerError(error) });
      }
    });
  });
  post({ kind: 'ready' });
}

void main();
