// The synthetic world: a clip is two events in sequence, one per half of the clip, each about
// one coloured shape that moves (left/right/up/down), appears, disappears or changes colour.
// Captions name both events in order, so retrieval needs shape x colour x action of each event
// and their order: one frame does not tell the direction of a motion nor which event came first.
import type { Rng } from '../random.js';

export const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const;
export const DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
export const ACTIONS = ['move', 'appear', 'disappear', 'change'] as const;

export type Shape = (typeof SHAPES)[number];
export type Color = (typeof COLORS)[number];
export type Direction = (typeof DIRECTIONS)[number];

export const RGB: Record<Color, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 200, 60],
  blue: [50, 90, 235],
  yellow: [235, 220, 40],
  purple: [165, 60, 205],
  orange: [245, 140, 30],
};

export interface SceneEvent {
  shape: Shape;
  color: Color;
  action: (typeof ACTIONS)[number];
  /** move only */
  direction?: Direction;
  /** change only: the colour it turns into */
  toColor?: Color;
  /** Fixed coordinate(s) in [0, 1]: x, y of the centre (the moving axis is animated). */
  x: number;
  y: number;
}

export interface Scene {
  events: [SceneEvent, SceneEvent];
}

function randomEvent(rng: Rng): SceneEvent {
  const action = rng.pick(ACTIONS);
  const color = rng.pick(COLORS);
  const ev: SceneEvent = {
    shape: rng.pick(SHAPES),
    color,
    action,
    x: 0.3 + 0.4 * rng.next(),
    y: 0.3 + 0.4 * rng.next(),
  };
  if (action === 'move') ev.direction = rng.pick(DIRECTIONS);
  if (action === 'change') ev.toColor = rng.pick(COLORS.filter((c) => c !== color));
  return ev;
}

/** Two events whose objects differ in shape or colour. */
export function randomScene(rng: Rng): Scene {
  const first = randomEvent(rng);
  let second = randomEvent(rng);
  while (second.shape === first.shape && second.color === first.color) second = randomEvent(rng);
  return { events: [first, second] };
}

export interface ObjectState {
  shape: Shape;
  rgb: [number, number, number];
  x: number;
  y: number;
}

/** The visible object at time u in [0, 1) of its event (undefined: not visible). */
export function eventState(ev: SceneEvent, u: number): ObjectState | undefined {
  let { x, y } = ev;
  let color = ev.color;
  switch (ev.action) {
    case 'move': {
      const t = 0.2 + 0.6 * u; // travels from 0.2 to 0.8 of the frame
      if (ev.direction === 'right') x = t;
      else if (ev.direction === 'left') x = 1 - t;
      else if (ev.direction === 'down') y = t;
      else y = 1 - t;
      break;
    }
    case 'appear':
      if (u < 0.4) return undefined;
      break;
    case 'disappear':
      if (u >= 0.6) return undefined;
      break;
    case 'change':
      if (u >= 0.5) color = ev.toColor!;
      break;
  }
  return { shape: ev.shape, rgb: RGB[color], x, y };
}

/** Object of frame f of n (the first half shows event 0, the second event 1). */
export function frameState(scene: Scene, f: number, n: number): ObjectState | undefined {
  const half = n / 2;
  const k = f < half ? 0 : 1;
  const u = (f - k * half) / half;
  return eventState(scene.events[k], u);
}
