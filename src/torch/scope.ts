/**
 * Deterministic memory: scopes free every tensor created inside them except what they return or
 * what was marked kept. Scopes are synchronous; async code opens one per synchronous step.
 *
 *   const loss = scope(() => model.loss(batch));   // intermediates freed here, loss survives
 */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

interface Frame {
  tracked: Disposable[];
}

const stack: Frame[] = [];
const kept = new WeakSet<Disposable>();

/** Called by every new tensor: the innermost open scope will free it. */
export function track(t: Disposable): void {
  const top = stack[stack.length - 1];
  if (top) top.tracked.push(t);
}

/** Excludes a tensor from every scope: it lives until disposed explicitly. */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  return t;
}

export function isKept(t: Disposable): boolean {
  return kept.has(t);
}

function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) {
    out.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

/**
 * Runs `fn`; frees the tensors created during it except those reachable from its result (through
 * arrays, Maps and plain objects) and kept ones. Returned tensors move to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  const frame: Frame = { tracked: [] };
  stack.push(frame);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of frame.tracked) if (!kept.has(t)) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of frame.tracked) if (!kept.has(t)) t.dispose();
    throw new TypeError(
      'scope: the function returned a Promise; scopes are synchronous (open one per synchronous step)',
    );
  }
  const survivors = new Set<Disposable>();
  collect(result, survivors);
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

/** Alias of `scope`, for readers who know TensorFlow.js. */
export const tidy = scope;

/** Number of open scopes (for tests). */
export function scopeDepth(): number {
  return stack.length;
}
