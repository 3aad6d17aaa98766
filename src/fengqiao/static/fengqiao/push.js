/* The push tier's client: one EventSource per tab on the push process (docs/decisions/0008).
   The page says where (body[data-push-url]: a path behind the same nginx, or ":port" in the demo)
   and which screens it shows (any [data-push-channel="wall|desk|map"] element). Each event is
   re-dispatched on document.body as "push:<kind>" and "push:<group>" (the part before the dot,
   e.g. push:desk for desk.ticket), with the JSON payload as detail.

   window.fqPush.live is true while the stream is open: pages skip their timer refreshes then (and
   htmx polling on elements marked data-push-quiet is cancelled), and take them up again when the
   push process cannot be reached. The browser reconnects by itself and resumes from Last-Event-ID. */
(function () {
  "use strict";

  var KINDS = ["notification", "notify.read", "wall.alert", "wall.ack", "wall.repeat", "desk.ticket",
               "map.moved", "map.alarm", "report.progress"];
  var state = { live: false, opened: false, unavailable: false, source: null };
  window.fqPush = state;

  function fire(name, detail) {
    document.body.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function streamUrl() {
    var base = document.body.getAttribute("data-push-url");
    if (!base) { return null; }
    if (base.charAt(0) === ":") { base = location.protocol + "//" + location.hostname + base; }
    if (base.charAt(base.length - 1) !== "/") { base += "/"; }
    var channels = [];
    document.querySelectorAll("[data-push-channel]").forEach(function (el) {
      el.getAttribute("data-push-channel").split(",").forEach(function (c) {
        if (c && channels.indexOf(c) < 0) { channels.push(c); }
      });
    });
    var url = base + "stream?ch=" + encodeURIComponent(channels.join(","));
    var holder = document.querySelector("[data-push-since]");
    var since = holder && holder.getAttribute("data-push-since");
    if (since) { url += "&since=" + encodeURIComponent(since); }
    return url;
  }

  var delay = 2000;

  function connect() {
    var url = streamUrl();
    if (!url || !window.EventSource) { state.unavailable = true; fire("push:unavailable"); return; }
    var cross = url.indexOf("http") === 0 && url.indexOf(location.origin + "/") !== 0;
    var source = new EventSource(url, { withCredentials: cross });
    state.source = source;
    KINDS.forEach(function (kind) {
      source.addEventListener(kind, function (ev) {
        var data;
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        data._event_id = ev.lastEventId;
        fire("push:" + kind, data);
        if (kind.indexOf(".") > 0) { fire("push:" + kind.split(".")[0], data); }
      });
    });
    source.addEventListener("open", function () {
      var first = !state.opened;
      state.live = true;
      state.opened = true;
      state.unavailable = false;
      delay = 2000;
      document.body.setAttribute("data-push-state", "open");
      fire("push:open", { first: first });
    });
    source.addEventListener("error", function () {
      state.live = false;
      if (source.readyState === 2) {  // refused (401, 404, 502): the browser gives up; we retry later
        document.body.setAttribute("data-push-state", "closed");
        if (!state.opened && !state.unavailable) { state.unavailable = true; fire("push:unavailable"); }
        fire("push:closed");
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 60000);
      } else {
        document.body.setAttribute("data-push-state", "reconnecting");
      }
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  function quiet(ev) {
    // htmx polling ("every Ns") has no triggering event; a push-triggered refresh has one.
    var elt = ev.detail && ev.detail.elt;
    if (state.live && elt && elt.closest && elt.closest("[data-push-quiet]") &&
        !(ev.detail.requestConfig && ev.detail.requestConfig.triggeringEvent)) {
      ev.preventDefault();
    }
  }

  function start() {
    document.body.addEventListener("htmx:beforeRequest", quiet);
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
