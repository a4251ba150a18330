// Captions (several paraphrases per clip) and QA pairs for synthetic scenes. Every caption
// states both events in their true order (some templates name the second event first, "B after
// A"), so a caption pins down shape, colour and action of each event and their order.
import type { Rng } from '../random.js';
import { COLORS, DIRECTIONS, SHAPES, type Scene, type SceneEvent } from './scene.js';

function eventPhrase(ev: SceneEvent, rng: Rng): string {
  const obj = `${/^[aeiou]/.test(ev.color) ? 'an' : 'a'} ${ev.color} ${ev.shape}`;
  switch (ev.action) {
    case 'move':
      return rng
        .pick([
          `${obj} moves ${ev.direction}`,
          `${obj} moves to the ${ev.direction}`,
          `${obj} slides ${ev.direction}`,
          `${obj} goes ${ev.direction}`,
        ])
        .replace(/to the (up|down)/, '$1wards');
    case 'appear':
      return rng.pick([`${obj} appears`, `${obj} shows up`, `${obj} pops up`]);
    case 'disappear':
      return rng.pick([`${obj} disappears`, `${obj} vanishes`, `${obj} goes away`]);
    case 'change':
      return rng.pick([
        `${obj} turns ${ev.toColor}`,
        `${obj} changes to ${ev.toColor}`,
        `${obj} becomes ${ev.toColor}`,
      ]);
  }
}

/** `count` distinct captions (fewer only if the templates run out). */
export function sceneCaptions(scene: Scene, rng: Rng, count: number): string[] {
  const out = new Set<string>();
  for (let tries = 0; out.size < count && tries < count * 20; tries++) {
    const a = eventPhrase(scene.events[0], rng);
    const b = eventPhrase(scene.events[1], rng);
    const form = rng.int(5);
    const text =
      form === 0
        ? `${a} then ${b}`
        : form === 1
          ? `first ${a}, then ${b}`
          : form === 2
            ? `${a} and then ${b}`
            : form === 3
              ? `${a}, after that ${b}`
              : `${b} after ${a}`;
    out.add(text);
  }
  return [...out];
}

export interface SyntheticQa {
  question: string;
  answer: string;
  answerType: 'color' | 'shape' | 'direction';
}

function verb(ev: SceneEvent): string {
  switch (ev.action) {
    case 'move':
      return `moves ${ev.direction}`;
    case 'appear':
      return 'appears';
    case 'disappear':
      return 'disappears';
    case 'change':
      return `turns ${ev.toColor}`;
  }
}

/** QA pairs about a scene: colours, shapes (some by order) and directions. */
export function sceneQa(scene: Scene): SyntheticQa[] {
  const [e1, e2] = scene.events;
  const qa: SyntheticQa[] = [
    {
      question: `what color is the ${e1.shape} that ${verb(e1)}?`,
      answer: e1.color,
      answerType: 'color',
    },
    { question: `which shape ${verb(e2)}?`, answer: e2.shape, answerType: 'shape' },
    { question: 'what shape is shown first?', answer: e1.shape, answerType: 'shape' },
    { question: 'what color is the second shape?', answer: e2.color, answerType: 'color' },
  ];
  for (const ev of scene.events) {
    if (ev.action === 'move')
      qa.push({
        question: `which direction does the ${ev.color} ${ev.shape} move?`,
        answer: ev.direction!,
        answerType: 'direction',
      });
    if (ev.action === 'change')
      qa.push({
        question: `what color does the ${ev.color} ${ev.shape} turn?`,
        answer: ev.toColor!,
        answerType: 'color',
      });
  }
  return qa;
}

/** The answer vocabulary: every possible answer, in a fixed order. */
export const SYNTHETIC_ANSWERS: readonly string[] = [...COLORS, ...SHAPES, ...DIRECTIONS];
