/* The service worker of the Shanwang app, rendered by shanwang/pwa.py (docs/offline.md).
 *
 * - The app shell (Bootstrap, our CSS and JS, the icons, the offline page) is precached in
 *   a cache named after the shell's hashed URLs: a deploy that changes one makes a new
 *   cache, and the old ones are deleted on activate.
 * - The user's own pages (dashboard, their projects, report pages and forms) are
 *   network-first: the copy of the last visit is served when the network fails, marked as
 *   an offline copy; any other page falls back to the offline page. Only GET answers of
 *   HTML pages are kept: never a POST's, never an upload (/media/), and the pages are
 *   deleted on logout and whenever the login page is shown.
 * - The outbox (static/js/outbox.js, imported here) is sent on a Background Sync event.
 */
"use strict";

const CONFIG = {{ config|safe }};
const SHELL_CACHE = `shanwang-shell-${CONFIG.version}`;
const PAGES_CACHE = "shanwang-pages";
const CACHED_AT = "X-Shanwang-Cached-At";
// The pages kept for offline use: the dashboard, a project, a report, a report's form.
const OWN_PAGES = [
  /^\/$/,
  /^\/projects\/\d+\/$/,
  /^\/projects\/\d+\/reports\/new\/$/,
  /^\/reports\/\d+\/$/,
  /^\/reports\/\d+\/edit\/$/,
];
// Report forms linked from a project's page, kept when the dashboard asks to warm the cache.
const FORM_LINK = /href="((?:\/projects\/\d+\/reports\/new\/|\/reports\/\d+\/edit\/)(?:\?[^"#]*)?)"/g;
const WARM_LIMIT = 30;
// The static files a kept page loads (the report form's own scripts), kept with the shell.
const STATIC_LINK = /(?:src|href)="([^"]+)"/g;

importScripts(CONFIG.outboxScript);

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // Without cookies: the offline page is cached as anyone sees it, with no user's name.
      await cache.addAll(CONFIG.shell.map((url) => new Request(url, { credentials: "omit" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("shanwang-shell-") && name !== SHELL_CACHE) {
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })(),
  );
});

function isOwnPage(url) {
  return url.origin === self.location.origin && OWN_PAGES.some((pattern) => pattern.test(url.pathname));
}

// A page is kept under its path and query (a form's ?month=); offline, a query never
// kept falls back to the page without it.
const pageKey = (url) => url.pathname + url.search;

async function keptPage(url) {
  const cache = await caches.open(PAGES_CACHE);
  return (await cache.match(pageKey(url))) || (await cache.match(url.pathname));
}

function isHtml(response) {
  return (
    response.status === 200 &&
    response.type === "basic" &&
    !response.redirected &&
    (response.headers.get("Content-Type") || "").startsWith("text/html")
  );
}

async function keepPage(url, response) {
  const headers = new Headers(response.headers);
  headers.set(CACHED_AT, new Date().toISOString());
  const copy = new Response(await response.blob(), { status: 200, headers });
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(pageKey(url), copy);
}

// The cached copy, with a <meta> telling the page (outbox.js) that it is an offline copy.
async function offlineCopy(cached) {
  const html = await cached.text();
  const marker = `<meta name="shanwang-offline-copy" content="${cached.headers.get(CACHED_AT) || ""}">`;
  return new Response(html.replace(/<head>/i, `<head>${marker}`), {
    status: 200,
    headers: cached.headers,
  });
}

async function navigation(event, url) {
  const ownPage = isOwnPage(url);
  try {
    const response = await fetch(event.request);
    if (ownPage && isHtml(response)) {
      event.waitUntil(keepPage(url, response.clone()));
    }
    return response;
  } catch (error) {
    const cached = ownPage ? await keptPage(url) : undefined;
    if (cached) {
      return offlineCopy(cached);
    }
    const offline = await caches.match(CONFIG.offline);
    if (offline) {
      return offline;
    }
    throw error;
  }
}

async function staticFile(event) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(event.request, { ignoreVary: true });
  const refresh = async () => {
    const response = await fetch(event.request);
    if (response.ok && response.type === "basic") {
      await cache.put(event.request, response.clone());
    }
    return response;
  };
  if (cached) {
    // Hashed names (production) never change; unhashed ones (DEBUG) are refreshed behind.
    if (CONFIG.revalidate) {
      event.waitUntil(refresh().catch(() => undefined));
    }
    return cached;
  }
  return refresh();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return; // A POST goes to the network, untouched and never cached.
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(navigation(event, url));
  } else if (url.pathname.startsWith(CONFIG.staticUrl)) {
    event.respondWith(staticFile(event));
  }
});

// Fill the cache with the user's own pages linked from the dashboard, and the report forms
// those project pages link to; pages already kept are left as they are.
async function warm(urls) {
  const cache = await caches.open(PAGES_CACHE);
  const queue = [...new Set(urls)];
  const seen = new Set();
  while (queue.length && seen.size < WARM_LIMIT) {
    const url = new URL(queue.shift(), self.location.origin);
    if (seen.has(pageKey(url)) || !isOwnPage(url)) {
      continue;
    }
    seen.add(pageKey(url));
    if (await cache.match(pageKey(url))) {
      continue;
    }
    let response;
    try {
      response = await fetch(pageKey(url), { credentials: "same-origin" });
    } catch (error) {
      return; // Offline again: the rest waits for the next visit.
    }
    if (!isHtml(response)) {
      continue;
    }
    const html = await response.clone().text();
    if (/^\/projects\/\d+\/$/.test(url.pathname)) {
      for (const match of html.matchAll(FORM_LINK)) {
        queue.push(match[1].replace(/&amp;/g, "&"));
      }
    }
    await keepPage(url, response);
    await keepStatic(html);
  }
}

async function keepStatic(html) {
  const shell = await caches.open(SHELL_CACHE);
  for (const match of html.matchAll(STATIC_LINK)) {
    const url = new URL(match[1].replace(/&amp;/g, "&"), self.location.origin);
    if (url.origin === self.location.origin && url.pathname.startsWith(CONFIG.staticUrl) && !(await shell.match(url.href))) {
      try {
        await shell.add(url.href);
      } catch (error) {
        return;
      }
    }
  }
}

self.addEventListener("message", (event) => {
  if (event.origin && event.origin !== self.location.origin) {
    return;
  }
  const message = event.data || {};
  if (message.type === "warm" && Array.isArray(message.urls)) {
    event.waitUntil(warm(message.urls));
  } else if (message.type === "forget-pages") {
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === self.ShanwangOutbox.SYNC_TAG) {
    event.waitUntil(self.ShanwangOutbox.flushFromWorker());
  }
});
