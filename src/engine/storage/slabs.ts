/**
 * Memory for the record batches a size-bounded log holds undecoded. A producer's batches arrive at
 * tens of MB a second; given a buffer each, that is as many MB of new ArrayBuffers a second, and V8
 * answers each 64 MB of them with a full collection, whatever the heap holds (a third of a
 * listener's work under a producer, measured). A log with retention.bytes deletes its batches in
 * the order they came, so their memory can be used again: batches are copied into slabs, and a slab
 * goes back to the pool once every batch in it was deleted or decoded (decoding copies the batch out,
 * since its records are kept by whoever reads them).
 */

export const SLAB_BYTES = 256 * 1024;
/** A larger batch gets memory of its own. */
const MAX_LEASE = SLAB_BYTES / 4;
/**
 * Free slabs kept for reuse: at least 16 (4 MB), and up to half as many as hold batches, since
 * retention deletes in steps (a third of a log at once) and the next appends need that memory again.
 * More go to the garbage collector, and never more than 256 (64 MB) are kept: a slab of a deleted
 * topic's batches is never given back, so the count of those in use may run high.
 */
const MIN_FREE = 16;
const MAX_FREE = 256;

export class Slab {
  used = 0;
  /** Leases not yet given back. */
  refs = 0;
  /** No longer taking new leases: it goes back to the pool when its last lease does. */
  sealed = false;
  constructor(readonly memory: Buffer) {}
}

/** Memory for one batch; after `giveBack`, `bytes` may be overwritten. */
export interface Lease {
  readonly bytes: Buffer;
  /** Whether `bytes` is shared memory that will be reused (records must not be views of it). */
  readonly pooled: boolean;
  /** Ends the lease; later calls do nothing. */
  giveBack(): void;
}

/** Memory of its own, for a batch no pool holds: the garbage collector frees it. */
export const ownMemory = (n: number): Lease => ({ bytes: Buffer.allocUnsafe(n), pooled: false, giveBack: () => undefined });

/** Where one log's leases are cut from: its current slab. */
export interface SlabHolder { slab: Slab | null }

export class SlabPool {
  private free: Slab[] = [];
  /** Slabs made (not reused), for tests and benches. */
  made = 0;
  /** Slabs holding batches or taking them (not free). */
  private inUse = 0;

  /** `n` bytes from `holder`'s slab, which is replaced when full. */
  lease(holder: SlabHolder, n: number): Lease {
    if (n > MAX_LEASE) return ownMemory(n);
    let slab = holder.slab;
    if (!slab || slab.used + n > SLAB_BYTES) {
      if (slab) { slab.sealed = true; if (slab.refs === 0) this.recycle(slab); }
      slab = holder.slab = this.free.pop() ?? (this.made++, new Slab(Buffer.allocUnsafe(SLAB_BYTES)));
      this.inUse++;
    }
    const bytes = slab.memory.subarray(slab.used, slab.used + n);
    slab.used += n;
    slab.refs++;
    const s = slab;
    let held = true;
    return {
      bytes, pooled: true,
      giveBack: () => {
        if (!held) return;
        held = false;
        if (--s.refs === 0 && s.sealed) this.recycle(s);
      },
    };
  }

  private recycle(slab: Slab): void {
    this.inUse--;
    if (this.free.length >= Math.min(MAX_FREE, Math.max(MIN_FREE, this.inUse / 2))) return;
    slab.used = 0; slab.sealed = false;
    this.free.push(slab);
  }
}
