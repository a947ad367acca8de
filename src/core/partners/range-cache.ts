/**
 * Rendered range pieces, kept by what their bytes depend on (format, schedule state, piece) and bounded in bytes:
 * a repeated range costs no render, and ranges that overlap share their months. A piece being rendered is
 * waited for rather than rendered again, so partners asking at once for the same months cost one render. Only a
 * request that must render something is admitted as expensive work (refused under load: `busy`).
 */
import { LRUCache } from "lru-cache";
import type { RangeFormat, RangePiece } from "./render-range.ts";

/** Pieces of one schedule state's range (ids from `piecesOf`). */
export interface RangeRequest {
  /** The blob key of the schedule's state (it names the revision). */
  stateKey: string;
  format: RangeFormat;
  pieces: readonly string[];
}

/** The pieces asked for, in order; or `busy` when some had to be rendered and expensive work is being shed. */
export type RangeAnswer = { pieces: RangePiece[] } | { busy: true };

/** Where a serving thread gets range pieces. */
export interface RangeSource {
  /** @throws Error when a piece cannot be rendered (e.g. the schedule's state is unreadable). */
  pieces(request: RangeRequest): Promise<RangeAnswer>;
}

export interface RangeCacheDeps {
  /** Renders pieces (only those neither cached nor being rendered), in the order asked. */
  render(request: RangeRequest): Promise<RangePiece[]>;
  /** Upper bound of the cached pieces' bytes. */
  maxBytes: number;
  /** Admits a render as expensive work: a release function, or `null` when refused. Default: always admitted. */
  admit?: () => (() => void) | null;
  /** Told, per request, how many of its pieces were cached (or being rendered already) and how many it rendered. */
  onPieces?: (cached: number, rendered: number) => void;
}

export class RangeCache implements RangeSource {
  readonly #deps: RangeCacheDeps;
  readonly #pieces: LRUCache<string, RangePiece>;
  readonly #rendering = new Map<string, Promise<RangePiece>>();

  constructor(deps: RangeCacheDeps) {
    this.#deps = deps;
    this.#pieces = new LRUCache({
      maxSize: Math.max(1, deps.maxBytes),
      sizeCalculation: (piece) => Math.max(1, piece.bytes.byteLength),
    });
  }

  /** Bytes of the pieces held. */
  get bytes(): number {
    return this.#pieces.calculatedSize;
  }

  async pieces(request: RangeRequest): Promise<RangeAnswer> {
    const key = (id: string) => `${request.format}|${request.stateKey}|${id}`;
    const found: (RangePiece | Promise<RangePiece> | undefined)[] = request.pieces.map(
      (id) => this.#pieces.get(key(id)) ?? this.#rendering.get(key(id)),
    );
    const missing = [...found.keys()].filter((i) => found[i] === undefined);
    this.#deps.onPieces?.(found.length - missing.length, missing.length);
    if (missing.length > 0) {
      const release = this.#deps.admit ? this.#deps.admit() : () => undefined;
      if (release === null) return { busy: true };
      const ids = missing.map((i) => request.pieces[i]!);
      const rendered = this.#deps.render({ ...request, pieces: ids }).finally(release);
      ids.forEach((id, n) => {
        const piece = rendered.then((pieces) => pieces[n]!);
        this.#rendering.set(key(id), piece);
        piece.then(
          (p) => {
            this.#rendering.delete(key(id));
            this.#pieces.set(key(id), p);
          },
          () => this.#rendering.delete(key(id)),
        );
        found[missing[n]!] = piece;
      });
    }
    return { pieces: await Promise.all(found as (RangePiece | Promise<RangePiece>)[]) };
  }
}
