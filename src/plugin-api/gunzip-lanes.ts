import { createGunzip, type Gunzip } from 'node:zlib';

/** One persistent gunzip stream and the runs written to it, oldest first. */
interface Lane {
  stream: Gunzip;
  waiting: { size: number; resolve: (pieces: Buffer[]) => void; reject: (err: Error) => void }[];
  pieces: Buffer[];
  got: number;
}

/**
 * A few long-lived gunzip streams ("lanes") that inflate runs of gzip members on libuv's
 * thread pool, each lane its runs in order. Reusing a stream saves what a one-shot
 * `zlib.gunzip` call costs the main thread (a new stream, a second round trip to flush, a
 * fresh output buffer), which is most of the per-block cost left on the main thread.
 */
export class GunzipLanes {
  private readonly lanes: Lane[];
  private turn = 0;

  constructor(count: number) {
    this.lanes = Array.from({ length: count }, () => this.lane());
  }

  private lane(): Lane {
    const lane: Lane = { stream: createGunzip({ chunkSize: 1 << 19 }), waiting: [], pieces: [], got: 0 };
    // A run's output is complete once its size has come out: gzip members check their own
    // ISIZE, so output never runs over from one run into the next.
    lane.stream.on('data', (piece: Buffer) => {
      lane.pieces.push(piece);
      lane.got += piece.length;
      while (lane.waiting.length && lane.got >= lane.waiting[0]!.size) {
        const run = lane.waiting.shift()!;
        lane.got -= run.size;
        run.resolve(lane.pieces);
        lane.pieces = [];
      }
    });
    lane.stream.on('error', (err: Error) => {
      for (const run of lane.waiting.splice(0)) run.reject(err);
    });
    return lane;
  }

  /** Inflates whole gzip members that hold `size` (> 0) bytes; resolves with the output pieces. */
  inflate(members: Buffer, size: number): Promise<Buffer[]> {
    const lane = this.lanes[this.turn]!;
    this.turn = (this.turn + 1) % this.lanes.length;
    return new Promise((resolve, reject) => {
      if (lane.stream.destroyed) return reject(new Error('the gunzip stream failed earlier'));
      lane.waiting.push({ size, resolve, reject });
      lane.stream.write(members);
    });
  }

  close(): void {
    for (const lane of this.lanes) lane.stream.destroy();
  }
}
