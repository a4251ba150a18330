/**
 * Process-wide settings: thread count, seeding and the random generator's state, the libtorch
 * version, devices, and the live-tensor accounting behind the memory tests.
 */
import { native, type MemoryStats } from './native.js';
import { Tensor } from './tensor.js';

export const setNumThreads = (n: number): void => native.setNumThreads(n);
export const getNumThreads = (): number => native.getNumThreads();
/** Seeds libtorch's default generator (rand, randn, randperm, dropout, multinomial). */
export const manualSeed = (seed: number): void => native.manualSeed(seed);
/** The default CPU generator's state (a uint8 tensor), for checkpoints. */
export const getRngState = (): Tensor => new Tensor(native.getRngState());
export const setRngState = (state: Tensor): void => native.setRngState(state.handleFor('setRngState'));
export const libtorchVersion = (): string => native.version();
export const cudaDeviceCount = (): number => native.cudaDeviceCount();
export const cudaAvailable = (): boolean => native.cudaDeviceCount() > 0;
/** Live native tensors and their bytes (distinct storages), plus tensors the GC had to free. */
export const memoryStats = (): MemoryStats => native.memoryStats();
