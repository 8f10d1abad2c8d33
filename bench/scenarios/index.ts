import type { Scenario } from '../context.js';
import { batching } from './batching.js';
import { vadCapacity } from './vad-capacity.js';
import { cpuBoundWorkers } from './cpu-bound-workers.js';
import { grpcInferH2load, grpcStream6H2load } from './grpc-h2load.js';
import { grpcInferRaw, grpcInferTyped } from './grpc-unary.js';
import { heldGrpc, heldSse, heldWs } from './held-streams.js';
import { largeTensors } from './large-tensors.js';
import { onnxModels } from './onnx.js';
import { restInfer } from './rest-infer.js';
import { restInferWrk, sseGenerateStreamWrk } from './rest-infer-wrk.js';
import { speechCapacity } from './speech-capacity.js';
import { grpcLongLivedStream, grpcStreamPerRequest, sseGenerateStream } from './streams.js';
import { wsLongSession } from './websocket.js';

/** Every scenario, in the order a run measures them. */
export const SCENARIOS: readonly Scenario[] = [
  restInfer,
  restInferWrk,
  grpcInferTyped,
  grpcInferRaw,
  grpcInferH2load,
  sseGenerateStream,
  sseGenerateStreamWrk,
  grpcStreamPerRequest,
  grpcStream6H2load,
  grpcLongLivedStream,
  wsLongSession,
  onnxModels,
  batching,
  vadCapacity,
  cpuBoundWorkers,
  largeTensors,
  heldSse,
  heldGrpc,
  heldWs,
  speechCapacity,
];
