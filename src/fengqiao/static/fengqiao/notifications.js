/* Live notifications: one EventSource per tab on /notifications/stream/, a toast per new
   notification, and the header bell's unread count kept current. No inline script (strict CSP).
   The browser's EventSource reconnects by itself and resumes from the last event id. */
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

  function start() {
    var b = bell();
    if (!b || !window.EventSource) { return; }
    var url = b.getAttribute("data-notify-stream");
    var since = b.getAttribute("data-notify-last") || "0";
    var source = new EventSource(url + "?since=" + encodeURIComponent(since));
    source.addEventListener("notification", function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      toast(data);
      if (typeof data.unread === "number") { setCount(data.unread); }
      document.body.dispatchEvent(new CustomEvent("notify:received", { detail: data }));
    });
    source.addEventListener("unread", function (ev) {
      var n = parseInt(ev.data, 10);
      if (!isNaN(n)) { setCount(n); }
    });
    source.addEventListener("open", function () { b = bell() || b; b.setAttribute("data-notify-state", "open"); });
    source.addEventListener("error", function () { b = bell() || b; b.setAttribute("data-notify-state", "reconnecting"); });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
