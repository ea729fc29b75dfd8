// `$setElementOrder/<list>` of a strategic merge patch (what kubectl apply and set send): the items the
// patch names take its order, the server-only items keep their place in the live list (apimachinery's
// normalizeElementOrder + mergeSortedSlice). Pure.

type Json = unknown;

const isMap = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The identity of a list item: its merge key's value, or the item itself for a list of primitives. */
function idOf(item: Json, mergeKey: string | undefined): string {
  return JSON.stringify(mergeKey && isMap(item) ? item[mergeKey] : item);
}

/**
 * Orders `merged` (the list after the patch) by `order` (the directive's items), with the items it
 * does not name placed by their index in `live` (the list before the patch).
 */
export function applyElementOrder(merged: Json[], order: Json[], live: Json[], mergeKey: string | undefined): Json[] {
  const orderIds = order.map((o) => idOf(o, mergeKey));
  const liveIds = live.map((o) => idOf(o, mergeKey));
  const rank = (ids: string[], item: Json) => ids.indexOf(idOf(item, mergeKey));
  const patchItems = merged.filter((m) => rank(orderIds, m) >= 0).sort((a, b) => rank(orderIds, a) - rank(orderIds, b));
  const serverOnly = merged.filter((m) => rank(orderIds, m) < 0).sort((a, b) => rank(liveIds, a) - rank(liveIds, b));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (j >= patchItems.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patchItems[j++]);
    else {
      // A server-only item goes first only when both are in the live list and it came first there.
      const l = rank(liveIds, serverOnly[i]);
      const r = rank(liveIds, patchItems[j]);
      if (l >= 0 && r >= 0 && l < r) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}
