import { describe, expect, it } from 'vitest';
import { dockerfileImages } from '../../src/build/image-refs.js';

describe('dockerfileImages', () => {
  it('collects every FROM, in any case, skipping flags', () => {
    const df = [
      'FROM --platform=$BUILDPLATFORM ghcr.io/acme/builder:1 AS build',
      'RUN make',
      'from registry.example.com:5000/base/python:3.12',
      'From --platform=linux/arm64 docker.io/library/debian:bookworm',
    ].join('\n');
    expect(dockerfileImages(df)).toEqual([
      'ghcr.io/acme/builder:1',
      'registry.example.com:5000/base/python:3.12',
      'docker.io/library/debian:bookworm',
    ]);
  });

  it('leaves out stage names, stage numbers, scratch and ARG references', () => {
    const df = [
      'ARG BASE=quay.io/x/y:1',
      'FROM $BASE AS deps',
      'FROM ${BASE}',
      'FROM deps AS test',
      'FROM scratch',
      'COPY --from=deps /a /a',
      'COPY --from=TEST /b /b',
      'COPY --from=0 /c /c',
      'COPY --from=${TOOLS} /d /d',
    ].join('\n');
    expect(dockerfileImages(df)).toEqual([]);
  });

  it('collects COPY --from and RUN --mount from= images that are not stages', () => {
    const df = [
      'FROM python:3.12-slim AS base',
      'COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv',
      'COPY --chown=1000 --from=base /x /x',
      'RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=localhost:5000/tools:1,source=/t,target=/t \\',
      '    /t/install',
      'run --mount=from=base,target=/b true',
    ].join('\n');
    expect(dockerfileImages(df)).toEqual([
      'python:3.12-slim',
      'ghcr.io/astral-sh/uv:0.5',
      'localhost:5000/tools:1',
    ]);
  });

  it('ignores comments and joins continued lines, without duplicates', () => {
    const df = [
      '# FROM evil.example.com/x',
      'FROM \\',
      '  a.example.com/img:1',
      'FROM a.example.com/img:1',
    ].join('\n');
    expect(dockerfileImages(df)).toEqual(['a.example.com/img:1']);
  });
});
