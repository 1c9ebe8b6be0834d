import { Agent, buildConnector, setGlobalDispatcher } from 'undici';

const routes = new Map<string, number>();
let installed = false;

/**
 * A hosts file for this process's fetch: connections to `hostname` go to 127.0.0.1:`port` instead,
 * still over TLS with the hostname's SNI and certificate check (the test certificate names it). The code
 * under test keeps the providers' real URLs.
 */
export function routeHost(hostname: string, port: number) {
  if (!installed) {
    const connect = buildConnector({});
    setGlobalDispatcher(
      new Agent({
        connect: (options, callback) => {
          const local = routes.get(options.hostname);
          connect(local ? { ...options, hostname: '127.0.0.1', port: String(local), servername: options.hostname } : options, callback);
        },
      }),
    );
    installed = true;
  }
  routes.set(hostname, port);
}
