// What a kind may add to the generic create/update path: defaults, validation and side effects.
import type { KObject } from '../store.js';
import type { Registry } from '../registry.js';

export interface KindHooks {
  /** Fills defaults on create (after metadata is set). May throw ApiError (e.g. 422 Invalid). */
  create?(obj: KObject, registry: Registry): void;
  /** Checks and completes an update of the main resource; `old` is the stored object. */
  update?(obj: KObject, old: KObject, registry: Registry): void;
  /** Called after the object was removed from the store. */
  removed?(obj: KObject, registry: Registry): void;
}
