import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Swagger UI, served from the installed swagger-ui-dist package: no CDN, works offline. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const assetDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

function page(openapiUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>KayGraph Tasks API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    // The document names the registered workflows only to a key's holder: fetch it with the bearer the
    // user authorized (kept in this browser until Logout), and again when they authorize or log out.
    let system;
    const authorizedBearer = () =>
      Object.values(system ? system.authSelectors.authorized().toJS() : {}).find(
        (auth) => auth.schema?.type === 'http' && auth.schema?.scheme === 'bearer' && auth.value,
      )?.value;
    const refetched = (action, { specActions }) => (payload) => {
      const done = action(payload);
      specActions.download();
      return done;
    };
    const KeyedDocument = () => ({
      afterLoad: (loaded) => {
        system = loaded;
      },
      statePlugins: { auth: { wrapActions: { authorize: refetched, logout: refetched } } },
    });
    window.ui = SwaggerUIBundle({
      url: ${JSON.stringify(openapiUrl)},
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [KeyedDocument],
      layout: 'StandaloneLayout',
      persistAuthorization: true,
      // A header, never ?api_key=: the key stays out of URLs and logs; and only to this api, not to a
      // document explored from elsewhere. Try-it-out requests get theirs from Swagger UI itself.
      requestInterceptor: (request) => {
        const here = new URL(request.url, location.href).origin === location.origin;
        const key = request.loadSpec && here ? authorizedBearer() : undefined;
        if (key) request.headers.Authorization = \`Bearer \${key}\`;
        return request;
      },
    });
  </script>
</body>
</html>
`;
}

/** Answers `/docs`, `/docs/` and its assets; false when the path is not one of them. */
export async function serveDocs(pathname: string, res: ServerResponse): Promise<boolean> {
  if (pathname === '/docs' || pathname === '/docs/' || pathname === '/docs/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(page('/openapi.json'));
    return true;
  }
  const name = pathname.startsWith('/docs/') ? pathname.slice('/docs/'.length) : '';
  const contentType = ASSETS[name];
  if (!contentType) return false;
  const content = await readFile(join(assetDir, name));
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'public, max-age=86400' });
  res.end(content);
  return true;
}
