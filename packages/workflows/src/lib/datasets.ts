import type { DerivedField } from './derive.ts';
import { createRandom, deriveSeed, type Random } from './random.ts';
import type { FieldSpec } from './records.ts';

export const REGIONS = ['North', 'South', 'East', 'West'] as const;
export const CATEGORIES = ['Books', 'Electronics', 'Garden', 'Grocery', 'Toys'] as const;
const BASE_PRICE: Record<(typeof CATEGORIES)[number], number> = {
  Books: 18,
  Electronics: 240,
  Garden: 45,
  Grocery: 6,
  Toys: 30,
};

/** The schema of generated sales rows (and of sales CSVs in the same shape). */
export const SALES_FIELDS: FieldSpec[] = [
  { name: 'order_id', type: 'integer', required: true, min: 1 },
  { name: 'date', type: 'date', required: true },
  { name: 'region', type: 'string', required: true, values: [...REGIONS] },
  { name: 'category', type: 'string', required: true, values: [...CATEGORIES] },
  { name: 'quantity', type: 'integer', required: true, min: 1, max: 1000 },
  { name: 'unit_price', type: 'number', required: true, min: 0.01 },
  { name: 'discount', type: 'number', required: false, min: 0, max: 0.9, default: 0 },
];

export const SALES_DERIVED: DerivedField[] = [
  { name: 'gross', op: 'multiply', left: 'quantity', right: 'unit_price' },
  { name: 'discount_amount', op: 'multiply', left: 'gross', right: 'discount' },
  { name: 'revenue', op: 'subtract', left: 'gross', right: 'discount_amount' },
];

export const SALES_GROUP_BY = ['region', 'category'];

/**
 * Sales row number `index` (0-based) of the dataset `seed`. Each row has its own derived seed,
 * so any range of rows can be generated without the rows before it. About 6% of rows carry the
 * kinds of damage real exports have: some repairable (case, spacing, "$1,234.50", slashed dates,
 * missing discount), some not (missing region, negative quantity, impossible dates).
 */
export function salesRow(seed: number, index: number): Record<string, unknown> {
  const random = createRandom(deriveSeed(seed, index));
  const category = random.pick(CATEGORIES);
  const day = random.int(0, 364);
  const date = new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10);
  const row: Record<string, unknown> = {
    order_id: index + 1,
    date,
    region: random.pick(REGIONS),
    category,
    quantity: 1 + Math.floor(Math.abs(random.normal()) * 4),
    unit_price: Math.round(BASE_PRICE[category] * (0.7 + random.next() * 0.6) * 100) / 100,
    discount: random.next() < 0.3 ? random.pick([0.05, 0.1, 0.15, 0.2]) : 0,
  };
  damage(row, random);
  return row;
}

function damage(row: Record<string, unknown>, random: Random): void {
  const roll = random.next();
  if (roll >= 0.06) return;
  const kind = Math.floor(roll / 0.01);
  switch (kind) {
    case 0:
      row.region = ` ${String(row.region).toLowerCase()} `; // repairable
      break;
    case 1:
      row.unit_price = `$${Number(row.unit_price).toLocaleString('en-US', { minimumFractionDigits: 2 })}`; // repairable
      break;
    case 2:
      row.date = String(row.date).replaceAll('-', '/'); // repairable
      delete row.discount; // filled with the default
      break;
    case 3:
      row.region = ''; // dropped: required
      break;
    case 4:
      row.quantity = -Number(row.quantity); // dropped: out of range
      break;
    default:
      row.date = `${String(row.date).slice(0, 5)}13-40`; // dropped: impossible date
  }
}

export interface LabelledDataset {
  features: number[][];
  labels: number[];
  classes: number;
}

/**
 * Gaussian blobs: `classes` clusters in `dimensions` dimensions with centres `separation` apart
 * (in units of the cluster spread). Large separations give a (nearly) linearly separable set.
 */
export function gaussianBlobs(options: {
  rows: number;
  classes: number;
  dimensions: number;
  separation: number;
  seed: number;
}): LabelledDataset {
  const random = createRandom(options.seed);
  const centres = Array.from({ length: options.classes }, () =>
    Array.from({ length: options.dimensions }, () => random.normal() * options.separation),
  );
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < options.rows; i++) {
    const label = i % options.classes;
    const centre = centres[label] ?? [];
    // offsets and scales differ per dimension so that normalisation matters
    features.push(centre.map((c, d) => (c + random.normal()) * (1 + d) + d * 10));
    labels.push(label);
  }
  return { features, labels, classes: options.classes };
}
