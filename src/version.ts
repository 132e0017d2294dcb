declare const __IMAGESPEC_VERSION__: string | undefined;

/** The package version; injected by the bundler, read from package.json when running from source. */
export const VERSION: string =
  typeof __IMAGESPEC_VERSION__ === 'string' ? __IMAGESPEC_VERSION__ : '0.0.0-dev';
