/**
 * A simulated monorepo spec: many images in three dependency layers (bases on a registry image, services on a
 * base, tasks on a service), each for two platforms, as a team with one image per task has.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Monorepo {
  file: string;
  /** Image ids per layer, layer 0 first. */
  layers: string[][];
  platforms: string[];
}

export const MONOREPO_PLATFORMS = ['linux/amd64', 'linux/arm64'];

/** Writes `imagespec.yaml` into `dir`: `bases` + `services` + `tasks` images (default 10 + 30 + 60 = 100). */
export async function writeMonorepo(
  dir: string,
  registry: string,
  counts: { bases?: number; services?: number; tasks?: number; salt?: string } = {},
): Promise<Monorepo> {
  const { bases = 10, services = 30, tasks = 60, salt = '' } = counts;
  const layers: string[][] = [[], [], []];
  const lines = [`x-platform: &platform ${MONOREPO_PLATFORMS.join(',')}`, 'images:'];
  const image = (id: string, base: string, command: string) =>
    lines.push(
      `  ${id}:`,
      `    registry: ${registry}`,
      `    base_image: ${base}`,
      `    platform: *platform`,
      `    commands: ["${command}"]`,
    );
  for (let i = 0; i < bases; i++) {
    layers[0]!.push(`base-${i}`);
    image(`base-${i}`, 'debian:bookworm-slim', `echo base ${i} ${salt} > /base.txt`);
  }
  for (let i = 0; i < services; i++) {
    layers[1]!.push(`service-${i}`);
    image(`service-${i}`, `base-${i % bases}`, `echo service ${i} ${salt} > /service.txt`);
  }
  for (let i = 0; i < tasks; i++) {
    layers[2]!.push(`task-${i}`);
    image(`task-${i}`, `service-${i % services}`, `echo task ${i} ${salt} > /task.txt`);
  }
  const file = path.join(dir, 'imagespec.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return { file, layers: layers.filter((l) => l.length > 0), platforms: MONOREPO_PLATFORMS };
}
