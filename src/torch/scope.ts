/**
 * Deterministic memory: scopes free every tensor created inside them except what they return or
 * what was marked kept. Scopes are synchronous; async code opens one per synchronous step.
 *
 *   const loss = scope(() => model.loss(batch));   // intermediates freed here, loss survives
 *
 * What survives is found by walking the returned value: arrays, Maps, Sets, plain objects and the
 * own enumerable properties of class instances (so a returned `{ frames, tubes }` or a small result
 * class keeps its tensors). An object can list tensors the walk cannot see (private fields, closures)
 * through `[SCOPE_TENSORS]()`. A value too deep or too large to walk is an error, never a silent free.
 */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

/** An object that lists the tensors it holds for scopes, where its fields cannot be walked. */
export const SCOPE_TENSORS = Symbol.for('t2vlp.scopeTensors');
export interface HoldsTensors {
  [SCOPE_TENSORS](): Iterable<Disposable>;
}

interface Frame {
  tracked: Disposable[];
}

const stack: Frame[] = [];
const kept = new WeakSet<Disposable>();

/** How deep and how many objects the walk of a scope's result may visit. */
const MAX_DEPTH = 32;
const MAX_OBJECTS = 100_000;

export class ScopeError extends Error {
  readonly code = 'SCOPE_RESULT_UNWALKABLE';
}

/** Called by every new tensor: the innermost open scope will free it. */
export function track(t: Disposable): void {
  const top = stack[stack.length - 1];
  if (top) top.tracked.push(t);
}

/** Excludes a tensor from every scope: it lives until disposed explicitly (or until `unkeep`). */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  return t;
}

/**
 * Undoes `keep`: the tensor belongs to the innermost open scope again (freed when that scope ends
 * unless returned from it); outside any scope it is simply owned by the caller again.
 */
export function unkeep<T extends Disposable>(t: T): T {
  if (kept.delete(t)) track(t);
  return t;
}

export function isKept(t: Disposable): boolean {
  return kept.has(t);
}

function isDisposable(v: object): v is Disposable {
  return typeof (v as Disposable).dispose === 'function' && 'isDisposed' in v;
}

function collect(root: unknown, out: Set<Disposable>): void {
  const seen = new Set<object>();
  const visit = (value: unknown, depth: number, path: string): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (seen.size > MAX_OBJECTS)
      throw new ScopeError(`scope: the returned value holds more than ${MAX_OBJECTS} objects; return the tensors themselves, or keep() them`);
    if (isDisposable(value)) {
      out.add(value);
      return;
    }
    if (depth >= MAX_DEPTH)
      throw new ScopeError(
        `scope: the returned value nests deeper than ${MAX_DEPTH} levels (at ${path}); tensors there would be freed. ` +
          'Return a flatter value, or keep() what must survive',
      );
    const listed = (value as Partial<HoldsTensors>)[SCOPE_TENSORS];
    if (typeof listed === 'function') for (const t of listed.call(value)) out.add(t);
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Promise) return;
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, depth + 1, `${path}[${i}]`));
    else if (value instanceof Map) for (const [k, v] of value) visit(v, depth + 1, `${path}.get(${String(k)})`);
    else if (value instanceof Set) for (const v of value) visit(v, depth + 1, `${path} (Set)`);
    else for (const [k, v] of Object.entries(value)) visit(v, depth + 1, `${path}.${k}`);
  };
  visit(root, 0, 'result');
}

/**
 * Runs `fn`; frees the tensors created during it except those reachable from its result and kept
 * ones. Returned tensors move to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  const frame: Frame = { tracked: [] };
  stack.push(frame);
  const freeAll = () => {
    for (const t of frame.tracked) if (!kept.has(t)) t.dispose();
  };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    freeAll();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    freeAll();
    throw new TypeError(
      'scope: the function returned a Promise; scopes are synchronous (open one per synchronous step)',
    );
  }
  const survivors = new Set<Disposable>();
  try {
    collect(result, survivors);
  } catch (e) {
    freeAll();
    throw e;
  }
  const parent = stack[stack.length - 1];
  for (const t of frame.tracked) {
    if (survivors.has(t)) {
      if (parent && !kept.has(t)) parent.tracked.push(t);
    } else if (!kept.has(t)) {
      t.dispose();
    }
  }
  return result;
}

/** Number of open scopes (for tests). */
export function scopeDepth(): number {
  return stack.length;
}
