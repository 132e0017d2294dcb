/** Typed ImageSpec values built directly (no spec file), for tests of the stages after the spec stage. */
import path from 'node:path';
import type { ImageSpec } from '../../src/spec/types.js';

/**
 * An image `app` of a spec file `<dir>/imagespec.yaml` with every field at its default (empty lists and
 * maps, `linux/amd64`, uv) and no raw values; `fields` replace any of them.
 */
export function imageSpec(dir: string, fields: Partial<ImageSpec> = {}): ImageSpec {
  const file = path.join(dir, 'imagespec.yaml');
  return {
    id: 'app',
    file,
    dir,
    root: dir,
    raw: new Map(),
    pos: () => ({ file, line: 1, col: 1 }),
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
