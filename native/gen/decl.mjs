// The vocabulary of ops.decl.mjs: small constructors that build plain objects describing an op.
// Nothing here knows C++ or TypeScript syntax beyond the names of libtorch functions it is given;
// generate.mjs turns the objects into both the C++ binding and the Tensor methods.
//
// An argument is { kind, name, ...options }. Kinds and their JavaScript forms:
//   T tensor (Tensor)            T? optional tensor (Tensor | null)   TL tensor list (Tensor[])
//   OTL list of tensors or nulls S scalar (number | boolean | bigint) S? optional scalar (number | null)
//   D double (number)            D? optional double                  I int64 (number)
//   I? optional int64            IA int array (number[])             B bool   STR string
//   DT dtype name (DType)        DT? optional dtype
// Argument options (all optional):
//   default   the JavaScript default of the Tensor method's parameter (never a native default)
//   optional  the method's parameter may be omitted (`dim?: number`); absent passes null natively
//   ts        the method parameter's TypeScript type when narrower than the kind's
//   dims      IA only: the method takes a number or an array (`dim: number | number[]`)
//   rest      IA only: the method takes varargs or one array (`reshape(...shape)`)
//   from      the method parameter this native argument is read from (default: its own name)
//   scaledBy  S only: the method multiplies this scalar by another parameter first (add's alpha)
//   fixed     the value passed natively when no method parameter supplies it
const arg = (kind) => (name, options = {}) => ({ kind, name, ...options });
export const T = arg('T');
export const Topt = arg('T?');
export const TL = arg('TL');
export const OTL = arg('OTL');
export const S = arg('S');
export const Sopt = arg('S?');
export const D = arg('D');
export const Dopt = arg('D?');
export const I = arg('I');
export const Iopt = arg('I?');
export const IA = arg('IA');
export const B = arg('B');
export const DT = arg('DT');
export const DTopt = arg('DT?');
export const STR = arg('STR');

// ---- the libtorch call, described structurally
/** `name(args...)`, a free function such as at::add. Arguments are argument names or forms below. */
export const fn = (name, ...args) => ({ call: 'function', name, args });
/** `self.name(args...)`, a method on the first (tensor) argument, such as self.add_ or self.view. */
export const method = (name, ...args) => ({ call: 'method', name, args });
/**
 * ESCAPE HATCH for the few composite ops that are more than one libtorch call (quickGelu,
 * normalize, rdivScalar). `build` receives the C++ variable name of every argument and returns
 * the C++ expression; keep these few and say why beside each.
 */
export const composite = (why, build) => ({ call: 'composite', why, build });

// Forms an argument can take inside a call.
/** `at::TensorOptions().dtype(name)`, and `.device(at::Device(deviceName))` when one is named */
export const options = (name, deviceName) => ({ form: 'options', name, device: deviceName });
/** `at::Device(name)` from a device string such as 'cpu' or 'cuda:0' */
export const device = (name) => ({ form: 'device', name });
/** A C++ constant: only `true`, `false` and `{}` (an absent optional) are accepted. */
export const lit = (text) => {
  if (!['true', 'false', '{}'].includes(text)) throw new Error(`lit('${text}'): only true, false and {} are allowed`);
  return { form: 'literal', text };
};

// ---- ops and Tensor methods
/**
 * One native op. Options: doc, args, call, returns ('T' tensor, 'T2' values+indices, 'TL' tensor
 * list, 'V' nothing: in place, the method returns `this`, 'B' boolean, 'D' number),
 * method (true: a Tensor method of the same name when the first argument is `self`; false: no
 * method, JavaScript calls it from creation.ts or nn/functional.ts; a string: the method's name),
 * display (the name errors report when there is no method; defaults to the op's name).
 */
export const op = (name, o) => ({ type: 'op', name, returns: 'T', method: true, ...o });

/**
 * One Tensor method served by several native ops, chosen by the first variant whose `when`
 * holds (the last variant has none): Tensor-or-scalar pairs, an omitted dim, a list-or-number.
 * `params` are the method's parameters, `param(name, ts, options)` with the argument options
 * default/optional/dims/rest; each variant's op reads them by name (or `from`).
 */
export const overload = (name, o) => ({ type: 'overload', name, ...o });
export const param = (name, ts, options = {}) => ({ name, ts, ...options });
/** A variant of an overload; `doc` gives it its own TypeScript overload signature. */
export const variant = (when, opDecl, doc) => ({ when, op: opDecl, doc });

// Conditions of a variant, on a method parameter.
export const isTensor = (p) => ({ test: 'tensor', param: p });
export const isUndefined = (p) => ({ test: 'undefined', param: p });
export const isArray = (p) => ({ test: 'array', param: p });
export const isTrue = (p) => ({ test: 'true', param: p });

/**
 * A Tensor method that calls another generated method with some arguments fixed
 * (clampMin(min) is clamp(min, null)). `pass` lists parameter names or constants (null, numbers).
 */
export const alias = (name, o) => ({ type: 'alias', name, ...o });
