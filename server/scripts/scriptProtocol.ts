/**
 * The message contract between the server and a predictor/transformer script host, whatever the
 * language: a Python process (python/pythonProcess.ts ↔ python/modeldeck_host.py) or a JS/TS worker
 * thread (js/scriptWorker.ts). Both hosts look the same to the pool that drives them (a
 * {@link ScriptChannel}), so batching, statistics, replacement of lost hosts and hot swap are shared
 * with the ONNX worker pool.
 */
import type { Datatype } from '../tensor/types';

/**
 * A numeric or string tensor inside a script value. Numeric contents cross as raw bytes (a typed
 * array; Python receives a numpy array when numpy imports, else nested lists); BYTES as strings.
 */
export interface ScriptTensor {
  /** Marks the object as a tensor (structured clone and JSON both drop prototypes). */
  __tensor__: true;
  datatype: Datatype;
  /** Concrete shape, batch dimension first. */
  shape: number[];
  /** Flat row-major contents; FP16 as raw half bits (Uint16Array); BOOL as Uint8Array 0/1; BYTES as strings. */
  data: Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | string[];
}

/** What crosses to and from a script: JSON values, with tensors anywhere inside. */
export type ScriptValue = null | boolean | number | string | ScriptTensor | ScriptValue[] | { [key: string]: ScriptValue };

/** Which class a host instantiates and what it is for. */
export type ScriptRole = 'predictor' | 'transformer';

/** Host → script host. */
export type ScriptRequest =
  | {
      type: 'load';
      /** Absolute path of the script file. */
      scriptPath: string;
      role: ScriptRole;
      /**
       * Environment for the script (MODEL_FILES_PATH, ARTIFACT_FILES_PATH, DEPLOYMENT_NAME, …,
       * IS_PREDICTOR / IS_TRANSFORMER). Python: set in os.environ before import; JS: process.env of the worker.
       */
      env: Record<string, string>;
      /** Working directory for the script (its folder); also first on the import path. */
      cwd: string;
    }
  | {
      type: 'call';
      id: number;
      /** predict | classify | regress | preprocess | postprocess | create_completion | create_chat_completion | apply_chat_template */
      method: string;
      /** Positional arguments. */
      args: ScriptValue[];
      /**
       * The caller takes a stream: when the method returns an (async) iterator, each item is sent as
       * a 'chunk' and the call ends with 'end'; any other value is a plain 'result'.
       */
      stream?: boolean;
    }
  /** Stops a streaming call (the client went away): its generator is closed, the call ends with 'end' (cancelled). */
  | { type: 'cancel'; id: number }
  | { type: 'close' };

/** Where a script failed to load (syntax error, import error, missing class). */
export interface ScriptLocation {
  file: string;
  line?: number;
}

/** Log levels a script's output is mapped to. */
export type ScriptLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Script host → host. */
export type ScriptResponse =
  | {
      type: 'loaded';
      /** Class that was instantiated: Predictor, Predict (legacy) or Transformer. */
      className: string;
      /** Public methods the instance has (predict, classify, regress, preprocess, postprocess, …). */
      methods: string[];
      /** Those of `methods` that are async (coroutine functions / async functions). */
      asyncMethods: string[];
      /** What runs the script: "Python 3.11.2 (/usr/bin/python3)" or "Node 20.20.2 (worker thread)". */
      runtime: string;
      /** Python: numpy could be imported (tensors arrive as numpy arrays). JS: always false. */
      numpy: boolean;
      /** Milliseconds spent importing the script and running its constructor. */
      loadMs: number;
    }
  | {
      type: 'load-failed';
      /** "SyntaxError: invalid syntax", "ModuleNotFoundError: No module named 'joblib'", "no class Predictor in predictor.py" … */
      message: string;
      /** File and line the error points at, when known. */
      location?: ScriptLocation;
      /** The module that could not be imported (ModuleNotFoundError), for a pip install hint. */
      missingModule?: string;
      /** Full traceback / stack, for the log. */
      traceback?: string;
    }
  | { type: 'result'; id: number; value: ScriptValue; /** Milliseconds inside the method. */ computeMs: number }
  /** One item of a streaming call's iterator (an OpenAI completion chunk, say), in order. */
  | { type: 'chunk'; id: number; value: ScriptValue }
  /** A streaming call's iterator is exhausted (or was closed by 'cancel'); no chunk follows. */
  | { type: 'end'; id: number; /** Milliseconds from the call to the end. */ computeMs: number; cancelled?: boolean }
  | {
      type: 'error';
      id: number;
      /** Exception class name: "ValueError", "TypeError", … */
      exception: string;
      message: string;
      /** Full traceback / stack, for the log. */
      traceback?: string;
    }
  | {
      type: 'log';
      level: ScriptLogLevel;
      message: string;
      /** Where it came from: print/console.log (stdout), stderr, a logging record (with its logger name). */
      source: 'stdout' | 'stderr' | 'logging';
      logger?: string;
    };

/**
 * A running script host as the pool sees it: the subset of node:worker_threads' Worker the pool uses,
 * so a Python process and a JS worker thread are driven the same way. Events: 'message'
 * (ScriptResponse), 'error' (Error), 'exit' (exit code).
 */
export interface ScriptChannel {
  postMessage(msg: ScriptRequest): void;
  on(event: 'message', listener: (msg: ScriptResponse) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  /** Ends the host at once (a Python process is killed); resolves with its exit code once it is gone. */
  terminate(): Promise<number>;
}
