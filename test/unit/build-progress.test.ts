import { describe, expect, it } from 'vitest';
import { ProgressParser } from '../../src/build/progress.js';

const digest = 'sha256:7f0c2713a6dea080c95557c75ef84e1e0af980637dbbb45daa71ca95378a6e7b';

function parse(text: string) {
  const parser = new ProgressParser();
  for (const line of text.split('\n')) parser.push(line);
  return parser.summary();
}

describe('ProgressParser', () => {
  it('counts CACHED steps and steps whose layer came from an imported cache', () => {
    const summary = parse(
      [
        '#5 [1/3] FROM docker.io/library/debian:bookworm-slim',
        `#5 resolve docker.io/library/debian:bookworm-slim done`,
        `#5 ${digest} 29.1MB / 29.1MB 0.4s done`,
        '#5 DONE 0.5s',
        '#6 [2/3] RUN apt-get update',
        '#6 CACHED',
        '#7 [3/3] RUN echo hi > /hi.txt',
        `#7 ${digest} 125B / 125B done`,
        `#7 extracting ${digest} done`,
        '#7 DONE 0.0s',
      ].join('\n'),
    );
    expect(summary.steps).toBe(3);
    // The base pull is not a cache hit; the imported RUN layer is.
    expect(summary.cachedSteps).toBe(2);
  });

  it('does not count a step that ran', () => {
    const summary = parse(['#6 [2/2] RUN echo hi', '#6 0.215 hi', '#6 DONE 0.2s'].join('\n'));
    expect(summary.steps).toBe(1);
    expect(summary.cachedSteps).toBe(0);
  });

  it('finds the failing step with its last lines', () => {
    const summary = parse(
      [
        '#6 [2/2] RUN false',
        '#6 0.1 something went wrong',
        '#6 ERROR: process "/bin/sh -c false" did not complete',
      ].join('\n'),
    );
    expect(summary.failed?.name).toBe('[2/2] RUN false');
    expect(summary.failed?.lines).toContain('something went wrong');
  });
});

describe('cache mount steps', () => {
  const pip =
    '[3/4] RUN --mount=type=cache,id=imagespec-pip,target=/root/.cache/pip,sharing=locked pip install -r /tmp/requirements.txt';
  const apt =
    '[2/4] RUN --mount=id=imagespec-apt-cache,type=cache,target=/var/cache/apt apt-get install -y curl';

  it('counts the steps that mount a cache and those of them that ran', () => {
    const summary = parse(
      [
        '#5 [1/4] FROM docker.io/library/python:3.12-slim',
        '#5 DONE 0.1s',
        `#6 ${apt}`,
        '#6 CACHED',
        `#7 ${pip}`,
        '#7 0.5 Collecting requests',
        '#7 DONE 3.0s',
        '#8 [4/4] RUN --mount=type=secret,id=tok true',
        '#8 DONE 0.1s',
      ].join('\n'),
    );
    expect(summary.mountSteps).toBe(2);
    expect(summary.mountStepsRun).toBe(1);
  });

  it('counts none as run when every mounting step came from the layer cache', () => {
    const summary = parse(
      [`#6 ${apt}`, '#6 CACHED', `#7 ${pip}`, `#7 ${digest} 1.2MB / 1.2MB done`, '#7 DONE 0.1s'].join('\n'),
    );
    expect(summary.mountSteps).toBe(2);
    expect(summary.mountStepsRun).toBe(0);
  });
});
