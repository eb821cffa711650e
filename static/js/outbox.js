/* The outbox: a report submitted without a connection is kept in IndexedDB and sent when
 * the connection returns (docs/offline.md).
 *
 * Loaded by every page (templates/base.html) and imported by the service worker
 * (templates/pwa/sw.js), which sends the same entries on a Background Sync event. An entry
 * is removed only once the server answered: a redirect to the report is success, a
 * redirect to the login page keeps it until the user logs in again, any other answer of
 * 4xx (or the form again, with its errors) keeps it as a problem the user must fix. The
 * form's client_key makes a resend harmless: the server returns the report it already
 * made with that key.
 */
(function () {
  "use strict";

  const DB_NAME = "shanwang-outbox";
  const ENTRIES = "entries";
  const RESULTS = "results";
  const META = "meta";
  const SYNC_TAG = "shanwang-outbox";
  const LOCK = "shanwang-outbox";
  const PAGES_CACHE = "shanwang-pages";
  // Without Web Locks, an entry marked as being sent is left alone for this long.
  const SENDING_TIMEOUT_MS = 60 * 1000;
  const RESULT_LIFETIME_MS = 24 * 60 * 60 * 1000;

  // IndexedDB, in promises.

  function request(idbRequest) {
    return new Promise((resolve, reject) => {
      idbRequest.onsuccess = () => resolve(idbRequest.result);
      idbRequest.onerror = () => reject(idbRequest.error);
    });
  }

  let database;
  function open() {
    if (!database) {
      const opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = () => {
        const db = opening.result;
        db.createObjectStore(ENTRIES, { keyPath: "id" });
        db.createObjectStore(RESULTS, { keyPath: "id" });
        db.createObjectStore(META);
      };
      database = request(opening);
    }
    return database;
  }

  async function transaction(store, mode, work) {
    const db = await open();
    const tx = db.transaction(store, mode);
    const result = work(tx.objectStore(store));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result instanceof IDBRequest ? result.result : result;
  }

  const all = (store) => transaction(store, "readonly", (s) => s.getAll());
  const put = (store, value, key) => transaction(store, "readwrite", (s) => s.put(value, key));
  const remove = (store, key) => transaction(store, "readwrite", (s) => s.delete(key));
  const get = (store, key) => transaction(store, "readonly", (s) => s.get(key));

  // A random UUID (version 4). crypto.randomUUID needs a secure context; this does not.
  function uuid() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // Sending.

  // One sender at a time across tabs and the service worker; the others skip.
  async function exclusively(work) {
    if (self.navigator && navigator.locks) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? work() : false));
    }
    return work();
  }

  // Without Web Locks: claim the entry in one IndexedDB transaction (atomic across tabs).
  async function claim(id) {
    if (self.navigator && navigator.locks) {
      return get(ENTRIES, id);
    }
    return transaction(ENTRIES, "readwrite", (store) => {
      let claimed = null;
      store.get(id).onsuccess = (event) => {
        const entry = event.target.result;
        if (entry && !(entry.sendingSince > Date.now() - SENDING_TIMEOUT_MS)) {
          entry.sendingSince = Date.now();
          store.put(entry);
          claimed = entry;
        }
      };
      return { get result() { return claimed; } };
    }).then((holder) => holder && holder.result);
  }

  function pathOf(url) {
    return new URL(url, self.location.href).pathname;
  }

  // A form's target; form.action would name a field called "action" instead.
  function actionOf(form) {
    return new URL(form.getAttribute("action") || location.href, location.href).href;
  }

  // Send one entry; return what became of it: "sent", "login", "problem" or "retry".
  async function send(entry, csrfToken, loginPath) {
    const body = new FormData();
    for (const [name, value] of entry.fields) {
      if (name === "csrfmiddlewaretoken") {
        continue; // The token of the page it was filled on may be stale: the current one goes.
      }
      if (value instanceof Blob) {
        // An empty file input is an empty File named "": sent as such, the server skips it.
        body.append(name, value, typeof value.name === "string" ? value.name : "upload");
      } else {
        body.append(name, value);
      }
    }
    body.append("csrfmiddlewaretoken", csrfToken);
    let response;
    try {
      response = await fetch(entry.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken },
      });
    } catch (error) {
      return { outcome: "retry" };
    }
    if (response.redirected && pathOf(response.url) === loginPath) {
      return { outcome: "login" };
    }
    if (response.redirected) {
      return { outcome: "sent", link: response.url };
    }
    if (response.status >= 500 || response.status === 429) {
      return { outcome: "retry" };
    }
    let html = "";
    try {
      html = await response.text();
    } catch (error) {
      return { outcome: "retry" };
    }
    return { outcome: "problem", status: response.status, html: html.slice(0, 500000) };
  }

  // Send the user's waiting entries, one sender at a time; return whether some still wait.
  async function flush({ user, csrfToken, loginPath }) {
    if (!user || !csrfToken) {
      return true;
    }
    let waiting = false;
    await exclusively(async () => {
      const entries = (await all(ENTRIES)).filter((entry) => entry.user === user && entry.state !== "problem");
      entries.sort((a, b) => a.queuedAt - b.queuedAt);
      for (const listed of entries) {
        const entry = await claim(listed.id);
        if (!entry) {
          continue;
        }
        const result = await send(entry, csrfToken, loginPath);
        delete entry.sendingSince;
        if (result.outcome === "sent") {
          await put(RESULTS, { id: entry.id, user, label: entry.label, link: result.link, sentAt: Date.now() });
          await remove(ENTRIES, entry.id);
          continue;
        }
        waiting = true;
        if (result.outcome === "problem") {
          Object.assign(entry, { state: "problem", status: result.status, html: result.html });
        } else if (result.outcome === "login") {
          entry.state = "login";
        }
        await put(ENTRIES, entry);
        if (result.outcome !== "problem") {
          break; // No connection or no session: the next ones would fare the same.
        }
      }
    });
    return waiting;
  }

  // Called by the service worker on a Background Sync event.
  async function flushFromWorker() {
    const user = await get(META, "user");
    let csrfToken = await get(META, "csrfToken");
    if (self.cookieStore) {
      const cookie = await self.cookieStore.get("csrftoken");
      csrfToken = cookie ? cookie.value : csrfToken;
    }
    const loginPath = await get(META, "loginPath");
    const waiting = await flush({ user, csrfToken, loginPath });
    for (const client of await self.clients.matchAll({ type: "window" })) {
      client.postMessage({ type: "outbox-changed" });
    }
    const left = (await all(ENTRIES)).some((entry) => entry.user === user && entry.state === "pending");
    if (waiting && left) {
      throw new Error("outbox: entries still waiting"); // The browser tries the sync again later.
    }
  }

  self.ShanwangOutbox = { SYNC_TAG, flushFromWorker };
  if (typeof document === "undefined") {
    return; // In the service worker: no page to show anything on.
  }

  // The page.

  const status = document.getElementById("outbox-status");
  if (!status) {
    return;
  }
  const user = status.dataset.user || "";
  const loginPath = status.dataset.loginUrl;
  const messages = status.dataset;

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((pair) => pair.startsWith("csrftoken="));
    if (cookie) {
      return decodeURIComponent(cookie.slice("csrftoken=".length));
    }
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function link(href, text) {
    const anchor = element("a", "alert-link", text);
    anchor.href = href;
    return anchor;
  }

  function twoDigits(number) {
    return String(number).padStart(2, "0");
  }

  function timeLabel(iso) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) {
      return "";
    }
    return `${when.getFullYear()}-${twoDigits(when.getMonth() + 1)}-${twoDigits(when.getDate())} ${twoDigits(when.getHours())}:${twoDigits(when.getMinutes())}`;
  }

  // The server's own words about a refused report: its field errors, alerts or heading.
  function problemText(entry) {
    const parsed = new DOMParser().parseFromString(entry.html || "", "text/html");
    const found = parsed.querySelectorAll("main .invalid-feedback, main .alert-danger, main .errorlist li");
    const texts = Array.from(found, (node) => node.textContent.trim()).filter(Boolean);
    if (!texts.length) {
      const heading = parsed.querySelector("main h1");
      if (heading) {
        texts.push(heading.textContent.trim());
      }
    }
    return [...new Set(texts)].join(" ") || `HTTP ${entry.status}`;
  }

  function dismissButton(onClick) {
    const button = element("button", "btn-close ms-auto");
    button.type = "button";
    button.setAttribute("aria-label", messages.msgClose);
    button.addEventListener("click", onClick);
    return button;
  }

  function line(kind, testId) {
    const node = element("div", `alert alert-${kind} d-flex flex-wrap align-items-center gap-2 py-2 my-2`);
    node.dataset.testid = testId;
    return node;
  }

  let sending = false;
  async function render() {
    // Logged out, the entries are shown (not sent): they wait for their user to log in.
    const entries = (await all(ENTRIES)).filter((entry) => !user || entry.user === user);
    const results = (await all(RESULTS)).filter((result) => result.user === user);
    const nodes = [];
    const offlineCopy = document.querySelector('meta[name="shanwang-offline-copy"]');
    if (offlineCopy) {
      const node = line("secondary", "offline-copy");
      node.textContent = messages.msgOfflineCopy.replace("{time}", timeLabel(offlineCopy.content));
      nodes.push(node);
    }
    const waiting = entries.filter((entry) => entry.state !== "problem");
    if (waiting.length) {
      const node = line("warning", "outbox-pending");
      node.append(element("strong", "", messages.msgPending.replace("{count}", waiting.length)));
      if (waiting.some((entry) => entry.state === "login")) {
        node.append(element("span", "", messages.msgLogin));
        if (!user) {
          node.append(link(`${loginPath}?next=${encodeURIComponent(location.pathname)}`, messages.msgLoginLink));
        }
      } else if (sending) {
        node.append(element("span", "", messages.msgSending));
      } else {
        node.append(element("span", "small", messages.msgQueued));
      }
      nodes.push(node);
    }
    for (const entry of entries.filter((item) => item.state === "problem")) {
      const node = line("danger", "outbox-problem");
      node.append(element("strong", "", `${messages.msgProblem} ${entry.label}`));
      node.append(element("span", "", problemText(entry)));
      node.append(link(entry.url, messages.msgOpen));
      node.append(
        dismissButton(async () => {
          await remove(ENTRIES, entry.id);
          render();
        }),
      );
      nodes.push(node);
    }
    for (const result of results) {
      if (Date.now() - result.sentAt > RESULT_LIFETIME_MS) {
        remove(RESULTS, result.id);
        continue;
      }
      const node = line("success", "outbox-sent");
      node.append(messages.msgSent);
      node.append(link(result.link, result.label));
      node.append(
        dismissButton(async () => {
          await remove(RESULTS, result.id);
          render();
        }),
      );
      nodes.push(node);
    }
    status.replaceChildren(...nodes);
    status.hidden = nodes.length === 0;
  }

  let retryDelay = 15000;
  let retryTimer;
  async function sendWaiting() {
    if (!user || sending) {
      return;
    }
    sending = true;
    await render();
    let waiting;
    try {
      waiting = await flush({ user, csrfToken: csrfToken(), loginPath });
    } finally {
      sending = false;
    }
    await render();
    clearTimeout(retryTimer);
    const left = (await all(ENTRIES)).some((entry) => entry.user === user && entry.state === "pending");
    if (waiting && left && navigator.onLine) {
      // A weak signal rather than none: try again, less and less often.
      retryTimer = setTimeout(sendWaiting, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 5 * 60 * 1000);
    }
  }

  async function askForSync() {
    try {
      const registration = await navigator.serviceWorker.ready;
      if (registration.sync) {
        await registration.sync.register(SYNC_TAG);
      }
    } catch (error) {
      // No Background Sync here: the online event and the next page load send it.
    }
  }

  function labelOf(form, data) {
    if (form.dataset.outboxLabel) {
      return form.dataset.outboxLabel;
    }
    const crumb = document.querySelector(".breadcrumb-item a");
    const month = data.get("month");
    return [crumb ? crumb.textContent.trim() : document.title, typeof month === "string" ? month : ""]
      .filter(Boolean)
      .join(" · ");
  }

  function setBusy(form, busy) {
    for (const button of form.querySelectorAll("button[type=submit], input[type=submit]")) {
      button.disabled = busy;
    }
  }

  // The form comes back with its errors: show the server's <main> in place of ours.
  function showForm(html) {
    const parsed = new DOMParser().parseFromString(html, "text/html");
    const main = parsed.querySelector("main");
    const current = document.querySelector("main");
    if (!main || !current) {
      return false;
    }
    for (const script of main.querySelectorAll("script")) {
      script.remove();
    }
    current.replaceWith(document.adoptNode(main));
    document.dispatchEvent(new Event("shanwang:content"));
    return true;
  }

  async function submitted(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-outbox]") || event.defaultPrevented) {
      return;
    }
    event.preventDefault();
    const data = new FormData(form, event.submitter);
    let key = data.get("client_key");
    if (!key) {
      key = form.dataset.clientKey || uuid();
      form.dataset.clientKey = key;
      data.set("client_key", key);
    }
    const entry = {
      id: key,
      user,
      url: actionOf(form),
      fields: Array.from(data.entries()),
      label: labelOf(form, data),
      queuedAt: Date.now(),
      state: "pending",
    };
    // Kept before it is sent, so that a reload or a lost answer loses nothing.
    await put(ENTRIES, entry);
    if (!navigator.onLine) {
      await askForSync();
      await render();
      window.scrollTo(0, 0);
      return;
    }
    setBusy(form, true);
    sending = true;
    await render();
    let result = null;
    await exclusively(async () => {
      result = await send(entry, csrfToken(), loginPath);
    });
    sending = false;
    setBusy(form, false);
    if (result === false || result === null) {
      // Another tab or the service worker is sending: this one goes once they are done.
      setTimeout(sendWaiting, 2000);
      await render();
      return;
    }
    if (result.outcome === "sent") {
      await remove(ENTRIES, entry.id);
      location.assign(result.link);
      return;
    }
    if (result.outcome === "problem") {
      await remove(ENTRIES, entry.id);
      if (showForm(result.html)) {
        window.scrollTo(0, 0);
        return;
      }
      await put(ENTRIES, { ...entry, state: "problem", status: result.status, html: result.html });
    } else if (result.outcome === "login") {
      await put(ENTRIES, { ...entry, state: "login" });
    } else {
      await askForSync();
      clearTimeout(retryTimer);
      retryTimer = setTimeout(sendWaiting, retryDelay);
    }
    await render();
    window.scrollTo(0, 0);
  }

  async function forgetPages() {
    if (window.caches) {
      await caches.delete(PAGES_CACHE);
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget-pages" });
    }
  }

  function loggingOut(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || pathOf(actionOf(form)) !== status.dataset.logoutUrl || form.dataset.forgotten) {
      return;
    }
    event.preventDefault();
    form.dataset.forgotten = "1";
    forgetPages().finally(() => form.submit());
  }

  // The dashboard lists the user's own projects: keep them and their report forms.
  function warmCache() {
    if (!navigator.serviceWorker || location.pathname !== status.dataset.dashboardUrl) {
      return;
    }
    const urls = Array.from(document.querySelectorAll("main a[href]"), (anchor) => anchor.getAttribute("href"))
      .filter((href) => /^\/(projects\/\d+\/(reports\/new\/)?|reports\/\d+\/edit\/)(\?[^#]*)?$/.test(href));
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.active) {
        registration.active.postMessage({ type: "warm", urls });
      }
    });
  }

  // A page served from the cache may hold a key already used: the next report needs its own.
  function freshKeys() {
    if (!document.querySelector('meta[name="shanwang-offline-copy"]')) {
      return;
    }
    for (const field of document.querySelectorAll("form[data-outbox] input[name=client_key]")) {
      field.value = uuid();
    }
  }

  async function start() {
    const offlinePage = "offlinePage" in status.dataset;
    if (!offlinePage) {
      // The service worker reads who is logged in to send only that user's entries.
      await put(META, user, "user");
      await put(META, csrfToken(), "csrfToken");
      await put(META, loginPath, "loginPath");
      if (!user) {
        await forgetPages(); // Logged out, or the session ended: no one's pages stay.
      }
    }
    freshKeys();
    await render();
    if (navigator.onLine) {
      sendWaiting();
    }
  }

  document.addEventListener("submit", submitted);
  document.addEventListener("submit", loggingOut);
  window.addEventListener("online", () => {
    retryDelay = 15000;
    sendWaiting();
  });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "outbox-changed") {
        render();
      }
    });
    navigator.serviceWorker
      .register(status.dataset.serviceWorker, { scope: "/" })
      .then(warmCache)
      .catch(() => undefined); // No secure context (plain HTTP on the intranet): online only.
  }
  start();
})();
