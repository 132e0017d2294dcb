import type { CacheMount } from './types.js';

/** flytekit's defaults for the tool images (builder_config `uv_image`, `micromamba_image` override them). */
export const DEFAULT_UV_IMAGE = 'ghcr.io/astral-sh/uv:0.5.1';
export const DEFAULT_MICROMAMBA_IMAGE = 'mambaorg/micromamba:2.0.3-debian12-slim';

/** Base of a generic image without `base_image` and `python_version`. */
export const DEFAULT_BASE_IMAGE = 'debian:bookworm-slim';

/** Python the flyte flavor installs with micromamba when the spec has no `python_version`. */
export const DEFAULT_FLYTE_PYTHON = '3.12';

/** The venv made when the base Python is externally managed (PEP 668) or a lock file is synced. */
export const VENV = '/opt/venv';

/** Where micromamba puts the conda environment (same place as flytekit's default builder). */
export const CONDA_ENV = '/opt/micromamba/envs/runtime';

/**
 * Every cache mount a rendered Dockerfile may use, by stable id. The ids never change between releases,
 * so a cache kept between CI runs stays valid.
 */
export const CACHE_MOUNTS = {
  aptCache: { id: 'imagespec-apt-cache', target: '/var/cache/apt' },
  aptLists: { id: 'imagespec-apt-lists', target: '/var/lib/apt' },
  micromamba: { id: 'imagespec-micromamba', target: '/opt/micromamba/pkgs' },
  uv: { id: 'imagespec-uv', target: '/root/.cache/uv' },
  pip: { id: 'imagespec-pip', target: '/root/.cache/pip' },
  poetry: { id: 'imagespec-poetry', target: '/root/.cache/pypoetry' },
} as const satisfies Record<string, CacheMount>;

/** The list of all cache mounts (id, target), for persisting them between runs. */
export const ALL_CACHE_MOUNTS: readonly CacheMount[] = Object.values(CACHE_MOUNTS);
