/* Live notifications: a toast per new notification and the header bell's unread count kept
   current, from the push tier (push.js: "push:notification", "push:notify.read"); when the push
   process cannot be reached, from the web app's own stream /notifications/stream/. No inline
   script (strict CSP). */
(function () {
  "use strict";

  function bell() { return document.getElementById("notify-bell"); }

  function stack() {
    var el = document.getElementById("notify-toasts");
    if (!el) {
      el = document.createElement("div");
      el.id = "notify-toasts";
      el.className = "notify-toasts";
      el.setAttribute("aria-live", "polite");
      el.setAttribute("role", "status");
      document.body.appendChild(el);
    }
    return el;
  }

  function setCount(n) {
    var b = bell();
    if (!b) { return; }
    var count = b.querySelector("[data-notify-count]");
    if (count) {
      count.textContent = String(n);
      count.setAttribute("data-notify-count", String(n));
    }
    b.classList.toggle("has-unread", n > 0);
  }

  function toast(data) {
    var item = document.createElement("a");
    item.className = "notify-toast level-" + (data.level || "info");
    item.href = data.url || "#";
    item.setAttribute("data-notification", String(data.id));
    var title = document.createElement("strong");
    title.textContent = data.title;
    item.appendChild(title);
    if (data.body) {
      var body = document.createElement("span");
      body.textContent = data.body;
      item.appendChild(body);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "notify-close linklike";
    close.setAttribute("aria-label", "关闭");
    close.textContent = "×";
    close.addEventListener("click", function (ev) { ev.preventDefault(); item.remove(); });
    item.appendChild(close);
    stack().appendChild(item);
    // Red and urgent ones stay until closed; others fade after 12 s.
    if (data.level !== "red" && !data.urgent) {
      window.setTimeout(function () { item.remove(); }, 12000);
    }
  }

  function received(data) {
    toast(data);
    if (typeof data.unread === "number") { setCount(data.unread); }
    document.body.dispatchEvent(new CustomEvent("notify:received", { detail: data }));
  }

  function refreshBell() { document.body.dispatchEvent(new CustomEvent("notify:refresh")); }

  function setState(value) { var b = bell(); if (b) { b.setAttribute("data-notify-state", value); } }

  // Without the push process (`fengqiao serve` alone, or it is unreachable): the web app's own
  // stream, one held web thread per tab, polling once a second.
  function fallback() {
    var b = bell();
    if (!b || !window.EventSource || b.getAttribute("data-notify-fallback")) { return; }
    b.setAttribute("data-notify-fallback", "1");
    var url = b.getAttribute("data-notify-stream");
    var since = b.getAttribute("data-notify-last") || "0";
    var source = new EventSource(url + "?since=" + encodeURIComponent(since));
    source.addEventListener("notification", function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      received(data);
    });
    source.addEventListener("unread", function (ev) {
      var n = parseInt(ev.data, 10);
      if (!isNaN(n)) { setCount(n); }
    });
    source.addEventListener("open", function () { setState("open"); });
    source.addEventListener("error", function () { setState("reconnecting"); });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  function start() {
    if (!bell()) { return; }
    var body = document.body;
    body.addEventListener("push:notification", function (ev) { received(ev.detail); refreshBell(); });
    body.addEventListener("push:notify.read", refreshBell);
    // A reminder updated an item in place (no new row): the count only changes when it came back unread.
    body.addEventListener("push:notify.repeat", refreshBell);
    body.addEventListener("push:open", function (ev) {
      setState("open");
      if (!ev.detail || !ev.detail.first) { refreshBell(); }
    });
    body.addEventListener("push:closed", function () { if (!bell().getAttribute("data-notify-fallback")) { setState("reconnecting"); } });
    body.addEventListener("push:unavailable", fallback);
    if (window.fqPush && window.fqPush.unavailable) { fallback(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
