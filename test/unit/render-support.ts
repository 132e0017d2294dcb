/** ImageSpec and PlannedImage values for render tests, built directly (no spec file). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageSpec, PlannedImage, PyValue } from '../../src/spec/types.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/render');

export function image(fields: Partial<ImageSpec> = {}, dir = path.join(FIXTURES, 'app')): ImageSpec {
  const raw = new Map<string, PyValue>();
  if (fields.source_root) raw.set('source_root', path.relative(dir, fields.source_root) || '.');
  return {
    id: 'app',
    file: path.join(dir, 'imagespec.yaml'),
    dir,
    root: dir,
    raw,
    pos: () => ({ file: path.join(dir, 'imagespec.yaml'), line: 3, col: 5 }),
    name: 'app',
    env: {},
    packages: [],
    conda_packages: [],
    conda_channels: [],
    apt_packages: [],
    platform: 'linux/amd64',
    pip_extra_index_url: [],
    pip_secret_mounts: [],
    commands: [],
    copy: [],
    runtime_packages: [],
    builder_options: {},
    builder_config: {},
    build_args: {},
    labels: {},
    python_installer: 'uv',
    secrets: [],
    ...fields,
  };
}

export function planned(spec: ImageSpec, extra: Partial<PlannedImage> = {}): PlannedImage {
  const repository = spec.registry ? `${spec.registry}/${spec.name}` : spec.name;
  return {
    spec,
    flavor: 'generic',
    specHash: 'abc123hash',
    tag: 'abc123hash',
    ...(spec.registry ? { registry: spec.registry } : {}),
    repository,
    reference: `${repository}:abc123hash`,
    platforms: spec.platform.split(','),
    inputs: [],
    ...extra,
  };
}
