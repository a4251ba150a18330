/**
 * TorchError: the error every native call raises (and Tensor raises after dispose()), with a
 * stable `code`, the JavaScript op the caller used (`op`) and the native side's text without the
 * op prefix or libtorch's C++ backtrace (`torchMessage`); `message` is `op: torchMessage`.
 * The addon builds these objects itself through the factory that native.ts installs, so they
 * carry the caller's JavaScript stack and cost nothing on calls that succeed.
 *
 * Codes (the same strings as in native/src/common.h):
 * - TORCH_BAD_ARGUMENT  an argument of the wrong JavaScript type, missing, or an unknown name
 *                       (dtype, reduction); a TypeError, as before
 * - TORCH_DISPOSED      a tensor used after dispose(); a TypeError
 * - TORCH_INVALID_VALUE the right type but a value the op's own checks reject (item() of a
 *                       2-element tensor, 0 threads, backward() of a non-scalar without gradient)
 * - TORCH_OP_FAILED     libtorch raised an error (shape or dtype mismatch, index out of range, ...)
 * - TORCH_UNAVAILABLE   a facility this build or this process lacks (Gloo collectives, a process
 *                       group that is not initialised)
 * - TORCH_INTERNAL      any other C++ exception: a bug to report
 *
 * Because JavaScript classes have one parent, TORCH_BAD_ARGUMENT and TORCH_DISPOSED errors are
 * TorchTypeError (extends TypeError) and the others TorchError (extends Error);
 * `e instanceof TorchError` holds for both. Their `name` stays 'Error' / 'TypeError', so printed
 * errors read as they did before TorchError existed (`Error: matmul: mat1 and mat2 ...`).
 */
export type TorchErrorCode =
  | 'TORCH_BAD_ARGUMENT'
  | 'TORCH_DISPOSED'
  | 'TORCH_INVALID_VALUE'
  | 'TORCH_OP_FAILED'
  | 'TORCH_UNAVAILABLE'
  | 'TORCH_INTERNAL';

export const TORCH_ERROR_CODES: readonly TorchErrorCode[] = [
  'TORCH_BAD_ARGUMENT',
  'TORCH_DISPOSED',
  'TORCH_INVALID_VALUE',
  'TORCH_OP_FAILED',
  'TORCH_UNAVAILABLE',
  'TORCH_INTERNAL',
];

const TYPE_ERROR_CODES: ReadonlySet<string> = new Set(['TORCH_BAD_ARGUMENT', 'TORCH_DISPOSED']);

export class TorchError extends Error {
  readonly code: TorchErrorCode;
  /** The op the caller used ('add', 'crossEntropy', 'Tensor.sum' for a disposed receiver). */
  readonly op: string;
  /** The native text after `op: ` (libtorch's message without its C++ backtrace). */
  readonly torchMessage: string;

  constructor(code: TorchErrorCode, op: string, torchMessage: string, message = `${op}: ${torchMessage}`) {
    super(message);
    this.code = code;
    this.op = op;
    this.torchMessage = torchMessage;
  }

  /** `instanceof TorchError` also holds for TorchTypeError, which must extend TypeError instead. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === TorchError && value instanceof TorchTypeError;
  }
}

/** A TorchError that is also a TypeError: codes TORCH_BAD_ARGUMENT and TORCH_DISPOSED. */
export class TorchTypeError extends TypeError {
  readonly code: TorchErrorCode;
  readonly op: string;
  readonly torchMessage: string;

  constructor(code: TorchErrorCode, op: string, torchMessage: string, message = `${op}: ${torchMessage}`) {
    super(message);
    this.code = code;
    this.op = op;
    this.torchMessage = torchMessage;
  }
}

/** The error for `code`: a TorchTypeError for argument and disposed errors, else a TorchError. */
export function torchError(
  code: TorchErrorCode,
  op: string,
  torchMessage: string,
  message?: string,
): TorchError | TorchTypeError {
  return TYPE_ERROR_CODES.has(code)
    ? new TorchTypeError(code, op, torchMessage, message)
    : new TorchError(code, op, torchMessage, message);
}

/**
 * The factory native.ts installs in the addon: called by the C++ side with the parts of the error
 * it is about to throw. The stack starts at the JavaScript caller of the native function.
 */
export function nativeErrorFactory(
  code: string,
  op: string,
  message: string,
  torchMessage: string,
): Error {
  const known = (TORCH_ERROR_CODES as readonly string[]).includes(code);
  const e = torchError(known ? (code as TorchErrorCode) : 'TORCH_INTERNAL', op, torchMessage, message);
  Error.captureStackTrace(e, nativeErrorFactory);
  return e;
}
