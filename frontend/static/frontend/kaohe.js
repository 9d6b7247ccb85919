// What every page script shares, as window.Kaohe (docs/interface.md, "Browser scripts"): the
// page's config, the CSRF token, the JSON API, a WebSocket that reconnects by itself, and the
// clock and timing helpers. Plain ES2020 without a build step or a dependency, loaded by the base
// layout before any page script. It shows the user nothing itself: every word comes from the
// page's config, translated by Django.
(function () {
  "use strict";

  const API_TIMEOUT_MS = 20000;
  const RECONNECT_FIRST_MS = 500;
  const RECONNECT_MAX_MS = 8000;

  // The page's config --------------------------------------------------------------------------

  let pageConfig = null;

  // The JSON the view built and the template wrote with {{ config|json_script:"kaohe-config" }}.
  function config() {
    if (pageConfig === null) {
      const element = document.getElementById("kaohe-config");
      pageConfig = element ? JSON.parse(element.textContent) : {};
    }
    return pageConfig;
  }

  // A URL template from the config ("/api/study/sessions/{session}/heartbeats") made whole.
  function url(template, values) {
    return template.replace(/\{(\w+)\}/g, (placeholder, name) => {
      if (!(name in values)) throw new Error(`no value for ${placeholder} in ${template}`);
      return encodeURIComponent(String(values[name]));
    });
  }

  // The API ----------------------------------------------------------------------------------

  function csrfToken() {
    const cookie = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    if (cookie) return decodeURIComponent(cookie[1]);
    // The base layout's language form carries the token too, should the cookie become HttpOnly.
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // A refusal from the API, from its {"code", "message", ...} body (the whole body is in `data`),
  // or code "network" with status 0 when no answer came in time.
  class ApiError extends Error {
    constructor({ code, message = "", status = 0, data = {} }) {
      super(message);
      this.name = "ApiError";
      this.code = code;
      this.status = status;
      this.data = data;
    }
  }

  // What the page should show for a failure: the server's own (translated) message, else the
  // page's fallback words; never a browser's English one.
  function errorMessage(error, fallback) {
    return (error instanceof ApiError && error.message) || fallback || "";
  }

  function requestBody(json, form) {
    if (form) return { body: form, headers: {} };  // the browser sets the multipart boundary
    if (json === undefined) return { body: undefined, headers: {} };
    return { body: JSON.stringify(json), headers: { "Content-Type": "application/json" } };
  }

  async function readJson(response) {
    if (response.status === 204) return {};
    const text = await response.text();
    try { return text ? JSON.parse(text) : {}; } catch (error) { return {}; }
  }

  // Calls the API: `json` (an object) or `form` (a FormData) is the body, POST when there is one.
  // Resolves with the response's JSON ({} for 204); rejects with an ApiError.
  async function api(path, { method, json, form, keepalive = false, timeoutMs = API_TIMEOUT_MS } = {}) {
    const { body, headers } = requestBody(json, form);
    const verb = method || (body === undefined ? "GET" : "POST");
    headers.Accept = "application/json";
    if (verb !== "GET" && verb !== "HEAD") headers["X-CSRFToken"] = csrfToken();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response, data;
    try {
      response = await fetch(path, {
        method: verb, headers, body, keepalive, credentials: "same-origin", signal: controller.signal,
      });
      data = await readJson(response);
    } catch (error) {
      throw new ApiError({ code: "network" });
    } finally {
      clearTimeout(timer);
    }
    if (response.ok) return data;
    const code = data.code || (response.status >= 500 ? "server_error" : "http_error");
    throw new ApiError({ code, message: data.message || "", status: response.status, data });
  }

  // Timing ----------------------------------------------------------------------------------

  function randomInterval(min, max) {
    return min + Math.random() * Math.max(0, max - min);
  }

  // Seconds left as the exam bar shows them: "mm:ss", or "h:mm:ss" from an hour on.
  function countdown(seconds) {
    const total = Math.max(0, Math.round(seconds));
    const two = (n) => String(n).padStart(2, "0");
    const hours = Math.floor(total / 3600);
    const rest = `${two(Math.floor((total % 3600) / 60))}:${two(total % 60)}`;
    return hours ? `${hours}:${rest}` : rest;
  }

  // The WebSocket ----------------------------------------------------------------------------

  // A JSON WebSocket to a path of this site that reconnects by itself after a drop, waiting twice
  // as long after each failure up to a ceiling, with jitter so that candidates dropped together
  // (a restarted server) do not all come back at once. It stops for good on stop() or on a close
  // code in `finalCodes` (the page's config carries the consumer's). Hooks: onopen(event),
  // onmessage(message, event) with the frame decoded, onclose(event, retrying).
  function socket(path, { onopen, onmessage, onclose, finalCodes = [] } = {}) {
    const final = new Set(finalCodes);
    let current = null;
    let delay = RECONNECT_FIRST_MS;
    let timer = null;
    let stopped = false;

    function connect() {
      if (stopped || (current && current.readyState <= WebSocket.OPEN)) return;
      clearTimeout(timer);
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const ws = new WebSocket(`${scheme}://${location.host}${path}`);
      current = ws;
      ws.addEventListener("open", (event) => {
        delay = RECONNECT_FIRST_MS;
        if (onopen) onopen(event);
      });
      ws.addEventListener("message", (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch (error) { return; }  // not the protocol's
        if (onmessage) onmessage(message, event);
      });
      ws.addEventListener("close", (event) => {
        if (ws !== current) return;  // replaced already: its successor speaks for the link
        if (final.has(event.code)) stopped = true;
        if (onclose) onclose(event, !stopped);
        if (stopped) return;
        timer = setTimeout(connect, randomInterval(delay / 2, delay));
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      });
    }

    // False when the link is down: the caller keeps what it must send again.
    function send(message) {
      if (!current || current.readyState !== WebSocket.OPEN) return false;
      current.send(JSON.stringify(message));
      return true;
    }

    function stop() {
      stopped = true;
      clearTimeout(timer);
      if (current) current.close();
    }

    connect();
    return { connect, send, stop };
  }

  // The layout's components (docs/interface.md, "Components") -----------------------------------

  // The confirmation dialog of the base layout: resolves true when the user confirms. `text` says
  // what will happen; `items` (optional) lists what it concerns (the unanswered questions).
  function confirmAction({ text, items, okLabel, tone } = {}) {
    const dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(text));
    const ok = document.getElementById("confirm-ok");
    const cancel = document.getElementById("confirm-cancel");
    const list = document.getElementById("confirm-dialog-list");
    ok.dataset.label = ok.dataset.label || ok.textContent;
    ok.textContent = okLabel || ok.dataset.label;
    ok.className = tone === "primary" ? "" : "danger";
    document.getElementById("confirm-text").textContent = text || "";
    list.textContent = "";
    (items || []).forEach((item) => {
      const entry = document.createElement("li");
      entry.textContent = item;
      list.appendChild(entry);
    });
    list.hidden = !(items && items.length);
    return new Promise((resolve) => {
      const finish = (answer) => {
        ok.removeEventListener("click", yes);
        cancel.removeEventListener("click", no);
        dialog.removeEventListener("cancel", no);
        if (dialog.open) dialog.close();
        resolve(answer);
      };
      const yes = () => finish(true);
      const no = (event) => { if (event) event.preventDefault(); finish(false); };
      ok.addEventListener("click", yes);
      cancel.addEventListener("click", no);
      dialog.addEventListener("cancel", no);
      dialog.showModal();
      cancel.focus();
    });
  }

  // A form (or a submit button) with data-confirm="what will happen" asks first.
  function guardConfirmations() {
    document.addEventListener("submit", async (event) => {
      const form = event.target;
      const button = event.submitter;
      const text = (button && button.dataset.confirm) || form.dataset.confirm;
      if (!text || form.dataset.confirmed === "yes") return;
      event.preventDefault();
      const label = (button && button.dataset.confirmOk) || form.dataset.confirmOk;
      if (!(await confirmAction({ text, okLabel: label || (button && button.textContent.trim()) }))) return;
      form.dataset.confirmed = "yes";
      if (button && button.name) {
        const carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = button.name;
        carried.value = button.value;
        form.appendChild(carried);
      }
      form.submit();
    });
  }

  function layout() {
    const toggle = document.getElementById("menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", () => {
        const open = document.body.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", String(open));
      });
    }
    // The navigation marks the page it leads to (the longest link that starts the path).
    let current = null;
    document.querySelectorAll(".sidenav a[href]").forEach((link) => {
      const path = new URL(link.href, location.href).pathname;
      const matches = location.pathname === path || (path !== "/" && location.pathname.startsWith(path));
      if (matches && (!current || path.length > new URL(current.href).pathname.length)) current = link;
    });
    if (current) current.setAttribute("aria-current", "page");
    // Toasts: a success fades after a while; warnings and errors stay until closed.
    document.querySelectorAll("li.toast").forEach((toast) => {
      toast.querySelector(".toast-close").addEventListener("click", () => toast.remove());
      if (toast.dataset.level === "success" || toast.dataset.level === "info") setTimeout(() => toast.remove(), 8000);
    });
    // Tables that become cards on a phone: each cell carries its column's name.
    document.querySelectorAll("main table:not(.keep)").forEach((table) => {
      const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
      table.querySelectorAll("tbody tr").forEach((row) => {
        [...row.children].forEach((cell, index) => {
          if (names[index] && !cell.hasAttribute("colspan")) cell.dataset.label = names[index];
        });
      });
    });
    guardConfirmations();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", layout);
  else layout();

  window.Kaohe = { config, url, csrfToken, api, ApiError, errorMessage, socket, countdown, randomInterval, confirm: confirmAction };
})();
