import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The Docker engine the tests run on: one of the run's own (scripts/with-test-engines.sh, or
 * scripts/test-engine.sh by hand), never the machine's default engine, whose images, networks and
 * volumes from earlier runs could make a test pass or fail. Returns its data root for the log.
 */
export async function testEngine(): Promise<{ host: string; dataRoot: string }> {
  const host = process.env.DOCKER_HOST ?? '';
  if (!process.env.BERTH_TEST_ENGINE || !host || host === 'unix:///var/run/docker.sock') {
    throw new Error(
      'the tests run on a Docker engine of their own, not the machine\'s default one: run them through npm test (scripts/with-test-engines.sh starts one), or start one with eval "$(bash scripts/test-engine.sh up)"',
    );
  }
  const { stdout } = await run('docker', ['info', '-f', '{{.DockerRootDir}}']).catch((e: Error) => {
    throw new Error(`the test engine at ${host} does not answer (${e.message.split('\n')[0]}); start it with scripts/test-engine.sh up`);
  });
  return { host, dataRoot: stdout.trim() };
}
