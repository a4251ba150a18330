// Draws the synthetic scenes into RGB frames: a dark background and one shape, with 4x
// supersampling for smooth edges. Pure integer/float arithmetic, so frames are identical on
// every platform for the same scene.
import type { Scene, Shape } from './scene.js';
import { frameState } from './scene.js';

const BACKGROUND = [28, 28, 32];
const SUB = [0.25, 0.75];

function inside(shape: Shape, dx: number, dy: number, r: number): boolean {
  switch (shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
    case 'diamond':
      return Math.abs(dx) + Math.abs(dy) <= r * 1.1;
    case 'triangle': {
      // apex up: (0, -r), base from (-r, 0.8r) to (r, 0.8r)
      if (dy > 0.8 * r || dy < -r) return false;
      const halfWidth = (r * (dy + r)) / (1.8 * r);
      return Math.abs(dx) <= halfWidth;
    }
  }
}

/** All n frames of a scene as concatenated RGB bytes [n, height, width, 3]. */
export function renderScene(scene: Scene, n: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(n * width * height * 3);
  const r = 0.15 * Math.min(width, height);
  for (let f = 0; f < n; f++) {
    const obj = frameState(scene, f, n);
    const base = f * width * height * 3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let cover = 0;
        if (obj) {
          const cx = obj.x * width;
          const cy = obj.y * height;
          for (const sy of SUB)
            for (const sx of SUB) if (inside(obj.shape, x + sx - cx, y + sy - cy, r)) cover++;
        }
        const a = cover / 4;
        const o = base + (y * width + x) * 3;
        for (let c = 0; c < 3; c++)
          out[o + c] = Math.round(BACKGROUND[c]! * (1 - a) + (obj ? obj.rgb[c]! * a : 0));
      }
    }
  }
  return out;
}
