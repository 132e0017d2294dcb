/**
 * An empty object for keys that come from users (env names, labels, build args). With no prototype, a key
 * such as `__proto__` stays an ordinary key instead of replacing the object's prototype and vanishing.
 */
export function userRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
