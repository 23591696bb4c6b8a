/** An Accept header's media types with their q values, the client's preferred first (by q, then as listed); q=0 ones left out. */
export function acceptedMediaTypes(accept: string): { type: string; q: number }[] {
  return accept.split(',').map((part, i) => {
    const [type = '', ...params] = part.split(';').map((x) => x.trim());
    const q = params.find((x) => /^q=/i.test(x));
    return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
  }).filter((t) => t.type && t.q > 0).sort((a, b) => b.q - a.q || a.i - b.i).map(({ type, q }) => ({ type, q }));
}

/** Whether an accepted media type (`*\/*`, `type/*` or a full one) takes a produced one. */
export function mediaTypeTakes(accepted: string, produced: string): boolean {
  if (accepted === '*/*' || accepted === produced) return true;
  return accepted.endsWith('/*') && produced.startsWith(accepted.slice(0, -1));
}

/**
 * The media type to answer in, as JAX-RS picks it: the produced type (each with the server's own
 * weight) whose weight times the client's q is highest, the server's order breaking ties; undefined
 * when the client accepts none of them. No Accept header takes the server's first.
 */
export function negotiate(accept: string | undefined, produced: readonly (readonly [type: string, weight: number])[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return produced[0]?.[0];
  let best: string | undefined, score = 0;
  for (const { type, q } of acceptedMediaTypes(accept)) {
    for (const [p, weight] of produced) if (mediaTypeTakes(type, p) && q * weight > score) { best = p; score = q * weight; }
  }
  return best;
}
