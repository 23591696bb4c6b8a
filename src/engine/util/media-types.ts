/** An Accept header's media types with their q values, the client's preferred first (by q, then as listed); q=0 ones left out. */
export function acceptedMediaTypes(accept: string): { type: string; q: number }[] {
  return accept.split(',').map((part, i) => {
    const [type = '', ...params] = part.split(';').map((x) => x.trim());
    const q = params.find((x) => /^q=/i.test(x));
    return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
  }).filter((t) => t.type && t.q > 0).sort((a, b) => b.q - a.q || a.i - b.i).map(({ type, q }) => ({ type, q }));
}

/** An Accept header's media types alone, the client's preferred first; q=0 ones left out. */
export const acceptedTypes = (accept: string): string[] => acceptedMediaTypes(accept).map((t) => t.type);

/** Whether an accepted media type (`*\/*`, `type/*` or a full one) takes a produced one. */
export function mediaTypeTakes(accepted: string, produced: string): boolean {
  if (accepted === '*/*' || accepted === produced) return true;
  return accepted.endsWith('/*') && produced.startsWith(accepted.slice(0, -1));
}

/**
 * The media type to answer in, as JAX-RS 2 picks it: of the produced types the client accepts, the
 * one it gives the highest q, the server's own weight (qs) breaking ties, then the server's order;
 * undefined when the client accepts none of them. No Accept header takes the server's first.
 */
export function negotiate(accept: string | undefined, produced: readonly (readonly [type: string, weight: number])[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return produced[0]?.[0];
  let best: { type: string; q: number; weight: number } | undefined;
  for (const { type, q } of acceptedMediaTypes(accept)) {
    for (const [p, weight] of produced) {
      if (!mediaTypeTakes(type, p)) continue;
      if (!best || q > best.q || (q === best.q && weight > best.weight)) best = { type: p, q, weight };
    }
  }
  return best?.type;
}

/**
 * The produced type to answer in as Vert.x routes pick it (ksqlDB's /query-stream and /inserts-stream):
 * of the client's accepted types, by its preference, the first one a produced type matches, the
 * server's first where a wildcard takes several; undefined when none is taken.
 */
export function preferredOf(accept: string | undefined, produced: readonly string[]): string | undefined {
  for (const t of acceptedTypes(accept ?? '')) {
    const p = produced.find((x) => mediaTypeTakes(t, x));
    if (p) return p;
  }
  return undefined;
}
