/** An in-process `Io`: captured output, a given stdin, and signals the test raises. */
import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import type { Io, SignalName } from "../../src/cli/io.js";

export interface MemoryIo extends Io {
  out: string;
  err: string;
  raise(signal: SignalName): void;
}

export function memoryIo(options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): MemoryIo {
  const emitter = new EventEmitter();
  const io: MemoryIo = {
    out: "",
    err: "",
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
    stdin: Readable.from([options.stdin ?? ""]),
    env: options.env ?? {},
    signals: emitter,
    raise: (signal) => {
      emitter.emit(signal);
    },
  };
  return io;
}
