// The op surface of the addon: ONE declaration per op, from which native/gen/generate.mjs writes
// the C++ binding (native/src/gen/ops.gen.cc), the addon's TypeScript interface
// (src/torch/gen/ops.ts) and the Tensor methods (src/torch/gen/tensor-methods.ts).
// The vocabulary (argument kinds, call shapes, overloads) is documented in decl.mjs.
// Native argument names appear in error messages ("add: argument 'other': ..."): keep them stable.
import {
  B, D, DT, DTopt, I, IA, Iopt, OTL, S, Sopt, STR, T, TL, Topt,
  alias, composite, device, fn, isArray, isTensor, isTrue, isUndefined, lit, method, op, options,
  overload, param, variant,
} from './decl.mjs';

const self = T('self');

// ---- creation: called from creation.ts, not Tensor methods
const creation = [
  op('zeros', { doc: 'A tensor of zeros.', args: [IA('size'), DT('dtype'), STR('device')], call: fn('at::zeros', 'size', options('dtype', 'device')), method: false }),
  op('ones', { doc: 'A tensor of ones.', args: [IA('size'), DT('dtype'), STR('device')], call: fn('at::ones', 'size', options('dtype', 'device')), method: false }),
  op('empty', { doc: 'An uninitialised tensor.', args: [IA('size'), DT('dtype'), STR('device')], call: fn('at::empty', 'size', options('dtype', 'device')), method: false }),
  op('full', { doc: 'A tensor filled with `value`.', args: [IA('size'), S('value'), DT('dtype'), STR('device')], call: fn('at::full', 'size', 'value', options('dtype', 'device')), method: false }),
  op('arange', { doc: 'Values from start (inclusive) to end (exclusive) by step.', args: [S('start'), S('end'), S('step'), DT('dtype'), STR('device')], call: fn('at::arange', 'start', 'end', 'step', options('dtype', 'device')), method: false }),
  op('linspace', { doc: '`steps` evenly spaced values from start to end inclusive.', args: [D('start'), D('end'), I('steps'), DT('dtype'), STR('device')], call: fn('at::linspace', 'start', 'end', 'steps', options('dtype', 'device')), method: false }),
  op('eye', { doc: 'The n×n identity matrix.', args: [I('n'), DT('dtype'), STR('device')], call: fn('at::eye', 'n', options('dtype', 'device')), method: false }),
  op('rand', { doc: 'Uniform draws in [0, 1).', args: [IA('size'), DT('dtype'), STR('device')], call: fn('at::rand', 'size', options('dtype', 'device')), method: false }),
  op('randn', { doc: 'Standard normal draws.', args: [IA('size'), DT('dtype'), STR('device')], call: fn('at::randn', 'size', options('dtype', 'device')), method: false }),
  op('randint', { doc: 'Integer draws in [low, high).', args: [I('low'), I('high'), IA('size'), DT('dtype'), STR('device')], call: fn('at::randint', 'low', 'high', 'size', options('dtype', 'device')), method: false }),
  op('randperm', { doc: 'A random permutation of 0..n-1.', args: [I('n'), DT('dtype'), STR('device')], call: fn('at::randperm', 'n', options('dtype', 'device')), method: false }),
  op('zerosLike', { doc: 'Zeros shaped like self.', args: [self], call: fn('at::zeros_like', 'self'), method: false }),
  op('onesLike', { doc: 'Ones shaped like self.', args: [self], call: fn('at::ones_like', 'self'), method: false }),
  op('fullLike', { doc: '`value` shaped like self.', args: [self, S('value')], call: fn('at::full_like', 'self', 'value'), method: false }),
  op('randLike', { doc: 'Uniform draws shaped like self.', args: [self], call: fn('at::rand_like', 'self'), method: false }),
  op('randnLike', { doc: 'Normal draws shaped like self.', args: [self], call: fn('at::randn_like', 'self'), method: false }),
  op('multinomial', { doc: '`n` indices drawn per row with probabilities self.', args: [self, I('n'), B('replacement')], call: fn('at::multinomial', 'self', 'n', 'replacement'), method: false }),
  op('bernoulli', { doc: 'Draws 0/1 with probabilities self.', args: [self], call: fn('at::bernoulli', 'self'), method: false }),
];

// ---- unary elementwise: Tensor methods of the same name
const UNARY = {
  neg: '-x.', abs: '|x|.', exp: 'e^x.', log: 'Natural logarithm.', log1p: 'log(1 + x).', sqrt: 'Square root.',
  rsqrt: '1 / sqrt(x).', sin: 'Sine.', cos: 'Cosine.', tanh: 'Hyperbolic tangent.', sigmoid: '1 / (1 + e^-x).',
  relu: 'max(x, 0).', erf: 'The error function.', sign: '-1, 0 or 1 by sign.', floor: 'Rounds down.',
  ceil: 'Rounds up.', round: 'Rounds half to even.', reciprocal: '1 / x.', square: 'x².',
  isnan: 'Whether each element is NaN.', isinf: 'Whether each element is ±infinity.',
  isfinite: 'Whether each element is finite.', clone: 'A copy with its own memory (recorded by autograd).',
};
const unary = [
  ...Object.entries(UNARY).map(([n, doc]) => op(n, { doc, args: [self], call: fn(`at::${n}`, 'self') })),
  op('contiguous', { doc: 'This tensor in C order (itself when it already is).', args: [self], call: method('contiguous') }),
  op('detach', { doc: 'A tensor sharing data with this one but cut from the autograd graph.', args: [self], call: method('detach') }),
  op('t', { doc: "Transpose of a matrix (PyTorch's .t()).", args: [self], call: method('t') }),
  op('logicalNot', { doc: 'Elementwise NOT.', args: [self], call: fn('at::logical_not', 'self') }),
  op('gelu', { doc: "GELU; approximate 'tanh' uses the tanh formula.", args: [self, STR('approximate', { default: 'none', ts: "'none' | 'tanh'" })], call: fn('at::gelu', 'self', 'approximate') }),
  op('quickGelu', {
    doc: "CLIP's QuickGELU, x·sigmoid(1.702x).", args: [self], method: false,
    call: composite('no libtorch function computes it', (v) => `${v.self} * at::sigmoid(${v.self} * 1.702)`),
  }),
  op('silu', { doc: 'x·sigmoid(x).', args: [self], call: fn('at::silu', 'self'), method: false }),
];

// ---- binary elementwise: tensor-or-scalar overloads
const other = T('other');
const tensorOrScalar = (name, doc, atName, scalarArgName = 'other') =>
  overload(name, {
    doc,
    params: [param('other', 'Tensor | Scalar')],
    variants: [
      variant(isTensor('other'), op(name, { args: [self, other], call: fn(atName, 'self', 'other') })),
      variant(null, op(`${name}Scalar`, { args: [self, S(scalarArgName, { from: 'other' })], call: fn(atName, 'self', scalarArgName) })),
    ],
  });
const comparisons = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].map((n) =>
  tensorOrScalar(n, `Elementwise ${n} (x ${{ eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' }[n]} other) as booleans.`, `at::${n}`));
const binary = [
  overload('add', {
    doc: 'this + alpha·other.',
    params: [param('other', 'Tensor | Scalar'), param('alpha', 'number', { default: 1 })],
    variants: [
      variant(isTensor('other'), op('add', { args: [self, other, S('alpha')], call: fn('at::add', 'self', 'other', 'alpha') })),
      variant(null, op('addScalar', { args: [self, S('other', { scaledBy: 'alpha' })], call: fn('at::add', 'self', 'other') })),
    ],
  }),
  overload('sub', {
    doc: 'this - alpha·other.',
    params: [param('other', 'Tensor | Scalar'), param('alpha', 'number', { default: 1 })],
    variants: [
      variant(isTensor('other'), op('sub', { args: [self, other, S('alpha')], call: fn('at::sub', 'self', 'other', 'alpha') })),
      variant(null, op('subScalar', { args: [self, S('other', { scaledBy: 'alpha' })], call: fn('at::sub', 'self', 'other') })),
    ],
  }),
  op('rsubScalar', { doc: 'other - this, for a scalar other.', method: 'rsub', args: [self, S('other')], call: fn('at::rsub', 'self', 'other') }),
  tensorOrScalar('mul', 'this · other.', 'at::mul'),
  tensorOrScalar('div', 'this / other.', 'at::div'),
  tensorOrScalar('pow', 'this to the power other.', 'at::pow', 'exponent'),
  tensorOrScalar('remainder', "this modulo other, with the divisor's sign (Python's %).", 'at::remainder'),
  op('rdivScalar', {
    doc: 'other / this, for a scalar other.', args: [self, S('other')], method: false, display: 'rdiv',
    call: composite('at::div has no scalar-numerator form', (v) => `at::reciprocal(${v.self}) * ${v.other}`),
  }),
  op('rpowScalar', { doc: 'base to the power this.', args: [self, S('base')], call: fn('at::pow', 'base', 'self'), method: false, display: 'rpow' }),
  op('maximum', { doc: 'Elementwise maximum.', args: [self, other], call: fn('at::maximum', 'self', 'other') }),
  op('minimum', { doc: 'Elementwise minimum.', args: [self, other], call: fn('at::minimum', 'self', 'other') }),
  ...comparisons,
  op('logicalAnd', { doc: 'Elementwise AND.', args: [self, other], call: fn('at::logical_and', 'self', 'other') }),
  op('logicalOr', { doc: 'Elementwise OR.', args: [self, other], call: fn('at::logical_or', 'self', 'other') }),
  op('logicalXor', { doc: 'Elementwise XOR.', args: [self, other], call: fn('at::logical_xor', 'self', 'other') }),
  op('where', { doc: 'self where condition holds, other elsewhere.', args: [T('condition'), self, other], call: fn('at::where', 'condition', 'self', 'other'), method: false }),
  op('clamp', {
    doc: 'Limits values to [min, max]; a null bound is open.',
    args: [self, Sopt('min', { default: null }), Sopt('max', { default: null })], call: fn('at::clamp', 'self', 'min', 'max'),
  }),
  alias('clampMin', { of: 'clamp', doc: 'max(x, min).', params: [param('min', 'number')], pass: ['min', null] }),
  alias('clampMax', { of: 'clamp', doc: 'min(x, max).', params: [param('max', 'number')], pass: [null, 'max'] }),
  op('maskedFill', { doc: '`value` where mask is true, this elsewhere.', args: [self, T('mask'), S('value')], call: fn('at::masked_fill', 'self', 'mask', 'value') }),
  op('lerp', { doc: 'this + weight·(end - this).', args: [self, T('end'), S('weight', { ts: 'number' })], call: fn('at::lerp', 'self', 'end', 'weight') }),
  op('allclose', {
    doc: '|this - other| <= atol + rtol·|other| everywhere.', returns: 'B',
    args: [self, other, D('rtol', { default: 1e-5 }), D('atol', { default: 1e-8 })], call: fn('at::allclose', 'self', 'other', 'rtol', 'atol'),
  }),
  op('equal', { doc: 'Same shape and same values.', returns: 'B', args: [self, other], call: fn('at::equal', 'self', 'other') }),
];

// ---- reductions (dim may be a number or a list; no dim reduces everything)
const keepdim = B('keepdim', { default: false });
const dimList = param('dim', 'number | number[]', { optional: true, dims: true });
const pair = (name, doc, allDoc, dimDoc) =>
  overload(name, {
    doc,
    params: [param('dim', 'number', { optional: true }), param('keepdim', 'boolean', { default: false })],
    variants: [
      variant(isUndefined('dim'), op(`${name}All`, { args: [self], call: fn(`at::${name}`, 'self') }), allDoc),
      variant(null, op(name, { returns: 'T2', args: [self, I('dim'), B('keepdim')], call: fn(`at::${name}`, 'self', 'dim', 'keepdim') }), dimDoc),
    ],
  });
const reductions = [
  overload('sum', {
    doc: 'Sum over `dim` (all elements when omitted).',
    params: [dimList, param('keepdim', 'boolean', { default: false })],
    variants: [
      variant(isUndefined('dim'), op('sumAll', { args: [self, DTopt('dtype')], call: fn('at::sum', 'self', 'dtype') })),
      variant(null, op('sum', { args: [self, IA('dim'), B('keepdim'), DTopt('dtype')], call: fn('at::sum', 'self', 'dim', 'keepdim', 'dtype') })),
    ],
  }),
  overload('mean', {
    doc: 'Mean over `dim` (all elements when omitted).',
    params: [dimList, param('keepdim', 'boolean', { default: false })],
    variants: [
      variant(isUndefined('dim'), op('meanAll', { args: [self], call: fn('at::mean', 'self') })),
      variant(null, op('mean', { args: [self, IA('dim'), B('keepdim')], call: fn('at::mean', 'self', 'dim', 'keepdim') })),
    ],
  }),
  op('prod', { doc: 'Product along `dim`.', args: [self, I('dim'), keepdim], call: fn('at::prod', 'self', 'dim', 'keepdim') }),
  pair('max', 'Maximum.', 'Maximum of all elements.', "Maximum along `dim`: values and indices, as PyTorch's torch.max(x, dim)."),
  pair('min', 'Minimum.', 'Minimum of all elements.', "Minimum along `dim`: values and indices, as PyTorch's torch.min(x, dim)."),
  op('amax', { doc: 'Maximum over `dim` (values only).', args: [self, IA('dim', { dims: true }), keepdim], call: fn('at::amax', 'self', 'dim', 'keepdim') }),
  op('argmax', { doc: 'Index of the maximum along `dim` (of the flattened tensor when omitted).', args: [self, Iopt('dim', { optional: true }), keepdim], call: fn('at::argmax', 'self', 'dim', 'keepdim') }),
  op('argmin', { doc: 'Index of the minimum along `dim` (of the flattened tensor when omitted).', args: [self, Iopt('dim', { optional: true }), keepdim], call: fn('at::argmin', 'self', 'dim', 'keepdim') }),
  op('logsumexp', { doc: 'log(sum(exp(x))) over `dim`, computed stably.', args: [self, IA('dim', { dims: true }), keepdim], call: fn('at::logsumexp', 'self', 'dim', 'keepdim') }),
  overload('norm', {
    doc: 'Vector p-norm over `dim` (all elements when omitted).',
    params: [param('p', 'number', { default: 2 }), dimList, param('keepdim', 'boolean', { default: false })],
    variants: [
      variant(isUndefined('dim'), op('normAll', { args: [self, D('ord', { from: 'p' })], call: fn('at::linalg_vector_norm', 'self', 'ord') })),
      variant(null, op('norm', { args: [self, D('ord', { from: 'p' }), IA('dim'), B('keepdim')], call: fn('at::linalg_vector_norm', 'self', 'ord', 'dim', 'keepdim') })),
    ],
  }),
  op('var', { doc: 'Variance over `dim` (Bessel-corrected when unbiased).', args: [self, IA('dim', { dims: true }), B('unbiased', { default: true }), keepdim], call: fn('at::var', 'self', 'dim', 'unbiased', 'keepdim') }),
  op('std', { doc: 'Standard deviation over `dim` (Bessel-corrected when unbiased).', args: [self, IA('dim', { dims: true }), B('unbiased', { default: true }), keepdim], call: fn('at::std', 'self', 'dim', 'unbiased', 'keepdim') }),
  op('all', { doc: 'Whether every element is true.', args: [self], call: fn('at::all', 'self') }),
  op('any', { doc: 'Whether some element is true.', args: [self], call: fn('at::any', 'self') }),
  op('countNonzero', { doc: 'The number of non-zero elements.', args: [self], call: fn('at::count_nonzero', 'self') }),
  op('topk', {
    doc: 'The k largest (or smallest) values along `dim` and their indices.', returns: 'T2',
    args: [self, I('k'), I('dim', { default: -1 }), B('largest', { default: true }), B('sorted', { default: true })],
    call: fn('at::topk', 'self', 'k', 'dim', 'largest', 'sorted'),
  }),
  overload('sort', {
    doc: 'Values sorted along `dim` and their original indices; `stable` keeps equal values in order.',
    params: [param('dim', 'number', { default: -1 }), param('descending', 'boolean', { default: false }), param('stable', 'boolean', { default: false })],
    variants: [
      variant(isTrue('stable'), op('sortStable', { returns: 'T2', args: [self, I('dim'), B('descending')], call: fn('at::sort', 'self', lit('true'), 'dim', 'descending') })),
      variant(null, op('sort', { returns: 'T2', args: [self, I('dim'), B('descending')], call: fn('at::sort', 'self', 'dim', 'descending') })),
    ],
  }),
  op('argsort', { doc: 'Indices that sort along `dim`.', args: [self, I('dim', { default: -1 }), B('descending', { default: false })], call: fn('at::argsort', 'self', 'dim', 'descending') }),
  op('cumsum', { doc: 'Running sum along `dim`.', args: [self, I('dim')], call: fn('at::cumsum', 'self', 'dim') }),
];

// ---- shape and indexing
const shape = [
  op('reshape', { doc: 'The same data with a new shape (a view when possible, -1 infers one size).', args: [self, IA('shape', { rest: true })], call: fn('at::reshape', 'self', 'shape') }),
  op('view', { doc: 'A view with a new shape; fails when the strides do not allow one.', args: [self, IA('shape', { rest: true })], call: method('view', 'shape') }),
  op('permute', { doc: 'The dimensions reordered.', args: [self, IA('dims', { rest: true })], call: method('permute', 'dims') }),
  op('transpose', { doc: 'Swaps two dimensions.', args: [self, I('dim0'), I('dim1')], call: fn('at::transpose', 'self', 'dim0', 'dim1') }),
  overload('squeeze', {
    doc: 'Drops size-1 dimensions (only `dim` when given).',
    params: [param('dim', 'number', { optional: true })],
    variants: [
      variant(isUndefined('dim'), op('squeeze', { args: [self], call: fn('at::squeeze', 'self') })),
      variant(null, op('squeezeDim', { args: [self, I('dim')], call: fn('at::squeeze', 'self', 'dim') })),
    ],
  }),
  op('unsqueeze', { doc: 'Inserts a size-1 dimension at `dim`.', args: [self, I('dim')], call: fn('at::unsqueeze', 'self', 'dim') }),
  op('expand', { doc: 'A broadcast view to `size` (-1 keeps a size).', args: [self, IA('size', { rest: true })], call: method('expand', 'size') }),
  op('repeat', { doc: 'Tiles the tensor `repeats` times along each dimension.', args: [self, IA('repeats', { rest: true })], call: method('repeat', 'repeats') }),
  op('repeatInterleave', { doc: 'Repeats each element `repeats` times along `dim`.', args: [self, I('repeats'), I('dim')], call: fn('at::repeat_interleave', 'self', 'repeats', 'dim') }),
  op('flatten', { doc: 'Merges dimensions startDim..endDim into one.', args: [self, I('startDim', { default: 0 }), I('endDim', { default: -1 })], call: fn('at::flatten', 'self', 'startDim', 'endDim') }),
  op('cat', { doc: 'Concatenation along `dim`.', args: [TL('tensors'), I('dim')], call: fn('at::cat', 'tensors', 'dim'), method: false }),
  op('stack', { doc: 'Stacking along a new `dim`.', args: [TL('tensors'), I('dim')], call: fn('at::stack', 'tensors', 'dim'), method: false }),
  overload('split', {
    doc: 'Pieces of `size` along `dim` (the last may be smaller), or of the listed sizes.',
    params: [param('size', 'number | number[]'), param('dim', 'number', { default: 0 })],
    variants: [
      variant(isArray('size'), op('splitWithSizes', { returns: 'TL', args: [self, IA('sizes', { from: 'size' }), I('dim')], call: fn('at::split_with_sizes', 'self', 'sizes', 'dim') })),
      variant(null, op('split', { returns: 'TL', args: [self, I('size'), I('dim')], call: fn('at::split', 'self', 'size', 'dim') })),
    ],
  }),
  op('chunk', { doc: '`chunks` nearly equal pieces along `dim`.', returns: 'TL', args: [self, I('chunks'), I('dim', { default: 0 })], call: fn('at::chunk', 'self', 'chunks', 'dim') }),
  op('unbind', { doc: 'The slices along `dim`, each without that dimension.', returns: 'TL', args: [self, I('dim', { default: 0 })], call: fn('at::unbind', 'self', 'dim') }),
  op('narrow', { doc: '`length` elements from `start` along `dim` (a view).', args: [self, I('dim'), I('start'), I('length')], call: fn('at::narrow', 'self', 'dim', 'start', 'length') }),
  op('slice', {
    doc: "Python's x[..., start:end:step] along `dim`; negative and omitted bounds as in Python.",
    args: [self, I('dim'), I('start', { default: 0 }), Iopt('end', { optional: true }), I('step', { default: 1 })],
    call: fn('at::slice', 'self', 'dim', 'start', 'end', 'step'),
  }),
  op('select', { doc: 'The slice at `index` along `dim`, without that dimension.', args: [self, I('dim'), I('index')], call: fn('at::select', 'self', 'dim', 'index') }),
  op('indexSelect', { doc: 'The entries at `index` (int64) along `dim`.', args: [self, I('dim'), T('index')], call: fn('at::index_select', 'self', 'dim', 'index') }),
  op('gather', { doc: 'out[i][j] = this[index[i][j]][j] (for dim 0), like torch.gather.', args: [self, I('dim'), T('index')], call: fn('at::gather', 'self', 'dim', 'index') }),
  op('scatter', { doc: 'A copy with `src` written at `index` along `dim`.', args: [self, I('dim'), T('index'), T('src')], call: fn('at::scatter', 'self', 'dim', 'index', 'src') }),
  op('scatterAdd', { doc: 'A copy with `src` added at `index` along `dim`.', args: [self, I('dim'), T('index'), T('src')], call: fn('at::scatter_add', 'self', 'dim', 'index', 'src') }),
  op('index', { doc: 'Advanced indexing, like x[i0, i1, ...] with index tensors; null keeps a dimension whole.', args: [self, OTL('indices')], call: fn('at::index', 'self', 'indices') }),
  op('indexPut', { doc: 'A copy with `values` written (or added) at the indices.', args: [self, OTL('indices'), T('values'), B('accumulate', { default: false })], call: fn('at::index_put', 'self', 'indices', 'values', 'accumulate') }),
  op('maskedSelect', { doc: 'The elements where mask is true, as a 1-D tensor.', args: [self, T('mask')], call: fn('at::masked_select', 'self', 'mask') }),
  op('nonzero', { doc: 'Indices of the non-zero elements, one row each.', args: [self], call: fn('at::nonzero', 'self') }),
  op('flip', { doc: 'Reverses the order along `dims`.', args: [self, IA('dims')], call: fn('at::flip', 'self', 'dims') }),
  op('roll', { doc: 'Rotates by `shifts` along `dims`.', args: [self, IA('shifts'), IA('dims')], call: fn('at::roll', 'self', 'shifts', 'dims') }),
  op('tril', { doc: 'The lower triangle (others zero).', args: [self, I('diagonal', { default: 0 })], call: fn('at::tril', 'self', 'diagonal') }),
  op('triu', { doc: 'The upper triangle (others zero).', args: [self, I('diagonal', { default: 0 })], call: fn('at::triu', 'self', 'diagonal') }),
  op('oneHot', { doc: 'One-hot rows of `numClasses`.', args: [self, I('numClasses')], call: fn('at::one_hot', 'self', 'numClasses'), method: false }),
  op('pad', { doc: 'Constant padding, last dimension first.', args: [self, IA('pad'), D('value')], call: fn('at::constant_pad_nd', 'self', 'pad', 'value'), method: false }),
];

// ---- linear algebra and neural-network functions (most called from nn/functional.ts)
const reduction = I('reduction');
const nnOps = [
  op('matmul', { doc: 'Matrix product with broadcasting, like the @ operator.', args: [self, other], call: fn('at::matmul', 'self', 'other') }),
  op('mm', { doc: 'Product of two matrices.', args: [self, other], call: fn('at::mm', 'self', 'other') }),
  op('bmm', { doc: 'Batched product of [B, n, m] and [B, m, p].', args: [self, other], call: fn('at::bmm', 'self', 'other') }),
  op('linear', { doc: 'input·weightᵀ + bias.', args: [T('input'), T('weight'), Topt('bias')], call: fn('at::linear', 'input', 'weight', 'bias'), method: false }),
  op('addmm', {
    doc: 'beta·this + alpha·(mat1 @ mat2) (torch.addmm(self, mat1, mat2)).',
    args: [self, T('mat1'), T('mat2'), S('beta', { default: 1 }), S('alpha', { default: 1 })], call: fn('at::addmm', 'self', 'mat1', 'mat2', 'beta', 'alpha'),
  }),
  op('baddbmm', {
    doc: 'beta·this + alpha·(batch1 @ batch2) over a batch (torch.baddbmm).',
    args: [self, T('batch1'), T('batch2'), S('beta', { default: 1 }), S('alpha', { default: 1 })], call: fn('at::baddbmm', 'self', 'batch1', 'batch2', 'beta', 'alpha'),
  }),
  ...['conv2d', 'conv3d'].map((n) => op(n, {
    doc: `${n === 'conv2d' ? '2-D' : '3-D'} convolution.`, method: false,
    args: [T('input'), T('weight'), Topt('bias'), IA('stride'), IA('padding'), IA('dilation'), I('groups')],
    call: fn(`at::${n}`, 'input', 'weight', 'bias', 'stride', 'padding', 'dilation', 'groups'),
  })),
  op('layerNorm', {
    doc: 'Layer normalisation over the trailing `normalizedShape`.', method: false,
    args: [T('input'), IA('normalizedShape'), Topt('weight'), Topt('bias'), D('eps')], call: fn('at::layer_norm', 'input', 'normalizedShape', 'weight', 'bias', 'eps'),
  }),
  op('softmax', { doc: 'Softmax along `dim`.', args: [self, I('dim')], call: fn('at::softmax', 'self', 'dim') }),
  op('logSoftmax', { doc: 'log(softmax) along `dim`, computed stably.', args: [self, I('dim')], call: fn('at::log_softmax', 'self', 'dim') }),
  op('dropout', { doc: 'Zeroes elements with probability p and scales the rest by 1/(1-p) when training.', args: [self, D('p'), B('train')], call: fn('at::dropout', 'self', 'p', 'train'), method: false }),
  op('embedding', { doc: 'Rows of weight at indices.', args: [T('weight'), T('indices')], call: fn('at::embedding', 'weight', 'indices'), method: false }),
  op('normalize', {
    doc: 'x / max(‖x‖_p over dim, eps).', args: [self, D('p'), I('dim'), D('eps')], method: false,
    call: composite("F.normalize is Python-side in PyTorch; this is its formula", (v) =>
      `${v.self} / at::clamp_min(at::linalg_vector_norm(${v.self}, ${v.p}, {${v.dim}}, true), ${v.eps}).expand_as(${v.self})`),
  }),
  op('crossEntropy', {
    doc: 'Cross-entropy of logits against class indices.', method: false,
    args: [T('input'), T('target'), Topt('weight'), reduction, I('ignoreIndex'), D('labelSmoothing')],
    call: fn('at::cross_entropy_loss', 'input', 'target', 'weight', 'reduction', 'ignoreIndex', 'labelSmoothing'),
  }),
  op('nllLoss', {
    doc: 'Negative log-likelihood of log-probabilities.', method: false,
    args: [T('input'), T('target'), Topt('weight'), reduction, I('ignoreIndex')], call: fn('at::nll_loss_nd', 'input', 'target', 'weight', 'reduction', 'ignoreIndex'),
  }),
  op('mseLoss', { doc: 'Mean squared error.', method: false, args: [T('input'), T('target'), reduction], call: fn('at::mse_loss', 'input', 'target', 'reduction') }),
  op('bceWithLogits', {
    doc: 'Binary cross-entropy of logits.', method: false, display: 'binaryCrossEntropyWithLogits',
    args: [T('input'), T('target'), reduction], call: fn('at::binary_cross_entropy_with_logits', 'input', 'target', lit('{}'), lit('{}'), 'reduction'),
  }),
  op('interpolateBilinear', { doc: 'Bilinear resize of [N, C, H, W] to `size`.', method: false, display: 'interpolate', args: [self, IA('size'), B('alignCorners')], call: fn('at::upsample_bilinear2d', 'self', 'size', 'alignCorners') }),
  op('interpolateBicubic', { doc: 'Bicubic resize of [N, C, H, W] to `size`.', method: false, display: 'interpolate', args: [self, IA('size'), B('alignCorners')], call: fn('at::upsample_bicubic2d', 'self', 'size', 'alignCorners') }),
];

// ---- dtype and device: Tensor.to() in tensor.ts chooses between them
const conversion = [
  op('toDtype', { doc: 'A copy in another dtype (itself when already that dtype).', method: false, display: 'to', args: [self, DT('dtype')], call: method('to', 'dtype') }),
  op('toDevice', {
    doc: "A copy on another device ('cpu', 'cuda', 'cuda:1'); with nonBlocking, an asynchronous copy where the source is pinned host memory.",
    method: false, display: 'to', args: [self, STR('device'), B('nonBlocking', { default: false })],
    call: composite('at::Tensor::to takes non_blocking only beside a dtype or TensorOptions', (v) => `${v.self}.to(at::TensorOptions().device(at::Device(${v.device})), ${v.nonBlocking})`),
  }),
  op('pinMemory', {
    doc: 'A copy in page-locked host memory (for asynchronous copies to CUDA); needs a CUDA device.', method: false, display: 'pinMemory', args: [self],
    call: composite('libtorch reports a missing CUDA device obscurely here', (v) => `(requireCudaForPinned(), ${v.self}.pin_memory())`),
  }),
  op('isPinned', {
    doc: 'Whether the tensor lives in page-locked host memory (false without CUDA).', returns: 'B', method: false, display: 'isPinned', args: [self],
    call: composite('is_pinned asks the CUDA runtime, which a CPU-only build lacks', (v) => `(cudaDevices() > 0 && ${v.self}.is_pinned())`),
  }),
];

// ---- in place: the method returns the same Tensor
const inPlaceTensorOrScalar = (name, doc, cppName) =>
  overload(`${name}_`, {
    doc,
    params: [param('other', 'Tensor | Scalar')],
    variants: [
      variant(isTensor('other'), op(`${name}_`, { returns: 'V', args: [self, other], call: method(cppName, 'other') })),
      variant(null, op(`${name}Scalar_`, { returns: 'V', args: [self, S('other')], call: method(cppName, 'other') })),
    ],
  });
const inPlace = [
  overload('add_', {
    doc: 'this += alpha·other, in place.',
    params: [param('other', 'Tensor | Scalar'), param('alpha', 'number', { default: 1 })],
    variants: [
      variant(isTensor('other'), op('add_', { returns: 'V', args: [self, other, S('alpha')], call: method('add_', 'other', 'alpha') })),
      variant(null, op('addScalar_', { returns: 'V', args: [self, S('other', { scaledBy: 'alpha' })], call: method('add_', 'other') })),
    ],
  }),
  op('sub_', { doc: 'this -= alpha·other, in place.', returns: 'V', args: [self, other, S('alpha', { default: 1 })], call: method('sub_', 'other', 'alpha') }),
  inPlaceTensorOrScalar('mul', 'this *= other, in place.', 'mul_'),
  inPlaceTensorOrScalar('div', 'this /= other, in place.', 'div_'),
  op('addcmul_', { doc: 'this += value·tensor1·tensor2, in place.', returns: 'V', args: [self, T('tensor1'), T('tensor2'), S('value', { default: 1 })], call: method('addcmul_', 'tensor1', 'tensor2', 'value') }),
  op('addcdiv_', { doc: 'this += value·tensor1/tensor2, in place.', returns: 'V', args: [self, T('tensor1'), T('tensor2'), S('value', { default: 1 })], call: method('addcdiv_', 'tensor1', 'tensor2', 'value') }),
  op('lerp_', { doc: 'this += weight·(end - this), in place.', returns: 'V', args: [self, T('end'), S('weight', { ts: 'number' })], call: method('lerp_', 'end', 'weight') }),
  op('sqrt_', { doc: 'Square root, in place.', returns: 'V', args: [self], call: method('sqrt_') }),
  op('addmm_', {
    doc: 'this = beta·this + alpha·(mat1 @ mat2), in place (torch.Tensor.addmm_).', returns: 'V',
    args: [self, T('mat1'), T('mat2'), S('beta', { default: 1 }), S('alpha', { default: 1 })], call: method('addmm_', 'mat1', 'mat2', 'beta', 'alpha'),
  }),
  op('silu_', {
    doc: 'x·sigmoid(x), in place.', returns: 'V', args: [self],
    // at::silu_ takes a non-const reference; a Tensor copy shares the storage it updates.
    call: composite('at::silu_ has no Tensor method', (v) => `[&] { at::Tensor t = ${v.self}; at::silu_(t); }()`),
  }),
  op('clamp_', { doc: 'Limits values to [min, max] in place; a null bound is open.', returns: 'V', args: [self, Sopt('min', { default: null }), Sopt('max', { default: null })], call: method('clamp_', 'min', 'max') }),
  op('copy_', { doc: 'Copies src (broadcast, converted) into this tensor.', returns: 'V', args: [self, T('src')], call: method('copy_', 'src') }),
  op('zero_', { doc: 'Sets every element to zero.', returns: 'V', args: [self], call: method('zero_') }),
  op('fill_', { doc: 'Sets every element to `value`.', returns: 'V', args: [self, S('value')], call: method('fill_', 'value') }),
  op('maskedFill_', { doc: 'Sets the elements where mask is true to `value`.', returns: 'V', args: [self, T('mask'), S('value')], call: method('masked_fill_', 'mask', 'value') }),
  op('uniform_', { doc: 'Fills with uniform draws in [from, to).', returns: 'V', args: [self, D('from', { default: 0 }), D('to', { default: 1 })], call: method('uniform_', 'from', 'to') }),
  op('normal_', { doc: 'Fills with normal draws.', returns: 'V', args: [self, D('mean', { default: 0 }), D('std', { default: 1 })], call: method('normal_', 'mean', 'std') }),
  op('indexPut_', { doc: 'Writes (or adds) `values` at the indices, in place.', returns: 'V', args: [self, OTL('indices'), T('values'), B('accumulate', { default: false })], call: method('index_put_', 'indices', 'values', 'accumulate') }),
];

export const OPS = [...creation, ...unary, ...binary, ...reductions, ...shape, ...nnOps, ...conversion, ...inPlace];
