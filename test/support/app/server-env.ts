/**
 * The environment for servers and browsers a test starts (redis-server, PostgreSQL, Chromium):
 * the test's own, less libfaketime's preload. They keep the machine's real clock, as the shared
 * PostgreSQL and Redis do, when the suite itself runs with a moved clock (README, "Tests").
 */
export function serverEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.LD_PRELOAD?.includes('faketime')) delete env.LD_PRELOAD;
  for (const key of Object.keys(env)) if (key.startsWith('FAKETIME')) delete env[key];
  return env;
}
