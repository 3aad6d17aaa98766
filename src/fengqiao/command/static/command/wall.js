/* 综合指挥室 wall. Loads the wall's JSON on start, every data-poll seconds, and at once when the
   notifications live push brings a command-room alert (notifications.js fires "notify:received").
   New alerts ring (WebAudio, after the operator turned the sound on) and are marked; each is
   acknowledged by the signed-in person. No inline script (CSP). */
(function () {
  "use strict";

  // Names and plates are data, never markup: Leaflet puts a string tooltip in as HTML, so give it a node.
  function textOf(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }
  var el = document.querySelector("[data-wall]");
  if (!el) { return; }
  function msg(k) { return el.getAttribute("data-msg-" + k) || ""; }
  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrf = ""; }
  var seen = null, soundOn = false, audio = null, loading = false, again = false, map = null, layers = null;
  var loads = 0;

  function node(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }

  function beep() {
    el.setAttribute("data-beeps", String((parseInt(el.getAttribute("data-beeps"), 10) || 0) + 1));
    if (!soundOn || !audio) { return; }
    var o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880; g.gain.value = 0.2;
    o.connect(g); g.connect(audio.destination);
    o.start(); o.stop(audio.currentTime + 0.35);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (r) { return r.json(); });
  }

  function ack(id, btn) {
    btn.disabled = true;
    post(el.getAttribute("data-ack-url").replace("/0/", "/" + id + "/"), "note=").then(function (d) {
      btn.textContent = d.ok ? msg("acked") + " · " + d.by : (d.error || msg("error"));
      load();
    });
  }

  function ackGroup(key, btn) {
    btn.disabled = true;
    post(el.getAttribute("data-group-ack-url"), "group=" + encodeURIComponent(key)).then(function () { load(); });
  }

  function renderAlerts(data) {
    var box = el.querySelector("[data-wall-alerts]");
    box.textContent = "";
    var ids = {}, fresh = [];
    data.groups.forEach(function (g) {
      var sec = node("div", "wall-group level-" + g.level);
      sec.setAttribute("data-group", g.key);
      var head = node("div", "wall-group-head");
      head.appendChild(node("strong", "", g.kind_label + (g.community ? " · " + g.community : "")));
      head.appendChild(node("span", "wall-count", g.count));
      if (g.count > 1) {
        var all = node("button", "", msg("ack-all"));
        all.type = "button";
        all.addEventListener("click", function () { ackGroup(g.key, all); });
        head.appendChild(all);
      }
      sec.appendChild(head);
      g.alerts.forEach(function (a) {
        ids[a.id] = true;
        var row = node("div", "wall-alert");
        row.setAttribute("data-alert", String(a.id));
        if (seen && !seen[a.id]) { row.classList.add("is-new"); fresh.push(a.id); }
        var link = node("a", "", a.title);
        link.href = a.url || "#";
        row.appendChild(link);
        row.appendChild(node("small", "", " " + a.at_text + (a.repeats > 1 ? " · " + a.repeats + msg("times") : "") + (a.escalated ? " · " + msg("escalated") : "")));
        var b = node("button", "wall-ack", msg("ack"));
        b.type = "button";
        b.addEventListener("click", function () { ack(a.id, b); });
        row.appendChild(b);
        sec.appendChild(row);
      });
      if (g.count > g.alerts.length) { sec.appendChild(node("div", "wall-more", "+" + (g.count - g.alerts.length) + " " + msg("more"))); }
      box.appendChild(sec);
    });
    if (!data.groups.length) { box.appendChild(node("p", "muted", msg("none"))); }
    el.querySelector("[data-wall-older]").textContent = data.older_open ? msg("older") + " " + data.older_open : "";
    el.querySelector("[data-count=alerts]").textContent = String(data.open);
    if (fresh.length) { beep(); el.setAttribute("data-new-alerts", fresh.join(",")); }
    seen = ids;
  }

  // A panel another part registered (command.selectors.register_panel): made once, with its title.
  function extraPanel(key, panel) {
    if (!panel || el.querySelector("[data-list=" + key + "]")) { return; }
    var host = el.querySelector("[data-panel=estates]");
    if (!host) { return; }
    var section = node("section", "wall-panel");
    section.setAttribute("data-panel", key);
    var h2 = node("h2", "");
    var a = node("a", "", panel.title || key);
    a.href = panel.url || "#";
    var count = node("span", "wall-count", "0");
    count.setAttribute("data-count", key);
    h2.appendChild(a);
    h2.appendChild(document.createTextNode(" "));
    h2.appendChild(count);
    var ul = node("ul", "");
    ul.setAttribute("data-list", key);
    section.appendChild(h2);
    section.appendChild(ul);
    host.parentNode.insertBefore(section, host.nextSibling);
  }

  function renderList(key, panel) {
    var ul = el.querySelector("[data-list=" + key + "]");
    var count = el.querySelector("[data-count=" + key + "]");
    if (!ul || !panel) { return; }
    count.textContent = String(panel.count);
    ul.textContent = "";
    (panel.items || []).forEach(function (it) {
      var li = node("li", it.level ? "level-" + it.level : "");
      var a = node("a", "", it.title);
      a.href = it.url || "#";
      li.appendChild(a);
      li.appendChild(node("small", "", " " + (it.sub || "") + (it.at_text ? " · " + it.at_text : "")));
      ul.appendChild(li);
    });
    if (!(panel.items || []).length) { ul.appendChild(node("li", "muted", msg("none"))); }
    var older = el.querySelector("[data-older=" + key + "]");
    if (older) { older.textContent = panel.older_open ? msg("older") + " " + panel.older_open : ""; }
  }

  function marker(p, colour, title) {
    if (!p || !map) { return; }
    L.circleMarker(p, { radius: 8, color: colour, fillOpacity: 0.8, weight: 2 }).bindTooltip(textOf(title)).addTo(layers.things);
  }

  // Units on shift (the field part's panel carries `markers`): status colour, a popup with the status
  // and the age of the last fix; a patrol car is the larger square-ish marker.
  function unitPopup(m) {
    var box = node("div", "wall-unit-popup");
    box.appendChild(node("strong", "", m.title));
    box.appendChild(node("div", "", m.sub));
    return box;
  }

  function renderUnits(data) {
    layers.units.clearLayers();
    var n = 0;
    (data.extra_panels || []).forEach(function (k) {
      ((data[k] || {}).markers || []).forEach(function (m) {
        if (!m.p) { return; }
        var car = m.kind === "car";
        var mk = L.circleMarker(m.p, { radius: car ? 10 : 7, color: car ? "#1b2631" : m.colour, fillColor: m.colour, fillOpacity: 0.9, weight: car ? 3 : 2 });
        mk.bindTooltip(textOf(m.title)).bindPopup(unitPopup(m)).addTo(layers.units);
        mk.fqUnit = m;
        n += 1;
      });
    });
    el.setAttribute("data-units", String(n));
  }

  function renderMap(data) {
    if (!map) { return; }
    layers.things.clearLayers();
    (data.incidents.items || []).forEach(function (i) { marker(i.p, "#c0392b", i.title); });
    (data.disputes.items || []).forEach(function (d) { marker(d.p, "#8e44ad", d.title); });
    (data.vehicle_alarms.items || []).forEach(function (v) { marker(v.p, "#e67e22", v.title); });
    renderUnits(data);
  }

  function loadVehicles() {
    if (!map) { return; }
    var b = map.getBounds();
    var q = "?zoom=" + map.getZoom() + "&bbox=" + [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (x) { return x.toFixed(6); }).join(",");
    fetch(el.getAttribute("data-vehicles-url") + q, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      layers.vehicles.clearLayers();
      (d.clusters || []).forEach(function (c) {
        L.circleMarker(c.p, { radius: Math.min(24, 6 + Math.log(c.n + 1) * 3), color: c.stolen ? "#c0392b" : "#1f5fa8", fillOpacity: 0.3, weight: 1 })
          .bindTooltip(textOf(c.n)).addTo(layers.vehicles);
      });
      (d.vehicles || []).forEach(function (v) {
        if (v.p) { L.circleMarker(v.p, { radius: v.stolen ? 7 : 4, color: v.stolen ? "#c0392b" : "#1f5fa8", fillOpacity: 0.8, weight: 1 }).bindTooltip(textOf(v.plate)).addTo(layers.vehicles); }
      });
      el.setAttribute("data-vehicles", String(d.total || 0));
    }).catch(function () { /* the wall keeps its other panels */ });
  }

  function initMap() {
    if (typeof L === "undefined") { return; }
    var box = el.querySelector("[data-wall-map]");
    map = L.map(box, { preferCanvas: true }).setView([parseFloat(el.getAttribute("data-centre-lat")) || 29.209, parseFloat(el.getAttribute("data-centre-lng")) || 103.947], 13);
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    layers = { vehicles: L.layerGroup().addTo(map), things: L.layerGroup().addTo(map), units: L.layerGroup().addTo(map) };
    el.fqMap = map;
    el.fqUnits = layers.units;
    fetch(el.getAttribute("data-communities-url"), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (g) {
      var lyr = L.geoJSON(g, { style: function () { return { color: "#1f5fa8", weight: 1, fillOpacity: 0.03 }; }, pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 3 }); } }).addTo(map);
      lyr.bringToBack();
      if (lyr.getBounds().isValid()) { map.fitBounds(lyr.getBounds()); }
    }).catch(function () {});
    map.on("moveend", loadVehicles);
    loadVehicles();
    // Vehicles: on the push tier's map.moved (coalesced per station); the timer only without it.
    document.body.addEventListener("push:map", loadVehicles);
    setInterval(function () { if (!pushLive()) { loadVehicles(); } }, 10000);
  }

  function load() {
    if (loading) { again = true; return; }
    loading = true;
    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        renderAlerts(data.alerts);
        ["incidents", "disputes", "fraud", "overdue", "vehicle_alarms", "patrol", "estates"].forEach(function (k) { renderList(k, data[k]); });
        (data.extra_panels || []).forEach(function (k) { extraPanel(k, data[k]); renderList(k, data[k]); });
        var rl = data.red_lines || {};
        el.querySelector("[data-redlines]").textContent = msg("unfiled") + " " + (rl.unfiled || 0) + " · " + msg("overdue") + " " + (rl.overdue || 0) + " · " + msg("lax") + " " + (rl.lax || 0);
        var d = data.on_duty;
        el.querySelector("[data-wall-duty]").textContent = d ? [msg("leader") + " " + (d.leader || "—"), msg("duty") + " " + (d.duty.join("、") || "—"), msg("command") + " " + (d.command.join("、") || "—")].join(" · ") : "";
        renderMap(data);
        loads += 1;
        el.setAttribute("data-loads", String(loads));
        el.querySelector("[data-wall-status]").textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false });
      })
      .catch(function (err) { el.querySelector("[data-wall-status]").textContent = msg("error") + ": " + err.message; })
      .then(function () { loading = false; if (again) { again = false; load(); } });
  }

  function clock() {
    el.querySelector("[data-wall-clock]").textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
  }

  el.querySelector("[data-wall-sound]").addEventListener("click", function (ev) {
    soundOn = !soundOn;
    if (soundOn && !audio && (window.AudioContext || window.webkitAudioContext)) { audio = new (window.AudioContext || window.webkitAudioContext)(); }
    ev.currentTarget.setAttribute("aria-pressed", soundOn ? "true" : "false");
  });
  el.querySelector("[data-wall-theme]").addEventListener("click", function () {
    el.classList.toggle("wall-dark");
    try { localStorage.setItem("fq-wall-theme", el.classList.contains("wall-dark") ? "dark" : "light"); } catch (e) { /* private mode */ }
  });
  el.querySelector("[data-wall-full]").addEventListener("click", function () {
    document.body.classList.toggle("wall-fullscreen");
    if (document.fullscreenElement) { document.exitFullscreen(); } else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen().catch(function () {}); }
    if (map) { setTimeout(function () { map.invalidateSize(); }, 300); }
  });
  try { if (localStorage.getItem("fq-wall-theme") === "dark") { el.classList.add("wall-dark"); } } catch (e) { /* ignore */ }
  if (el.classList.contains("wall-full")) { document.body.classList.add("wall-fullscreen"); }

  document.body.addEventListener("notify:received", function (ev) {
    var kind = ev.detail && ev.detail.kind;
    // Its own alerts, and the vehicle alarms the vehicles part pushes to the command room itself.
    if (kind && (kind.indexOf("command_alert") === 0 || kind === "vehicle_alarm")) {
      // The wall shows the alert itself: no toast on top of it.
      var toast = document.querySelector("#notify-toasts [data-notification='" + ev.detail.id + "']");
      if (toast) { toast.remove(); }
      load();
    }
  });
  // The push tier tells the wall of every alert, repeat and acknowledgement of its station at once
  // (push.js: push:wall); then the timer only refreshes the panels no event carries (counts, duty),
  // every SLOW ticks. Without the push process the wall polls every data-poll seconds as before.
  function pushLive() { return !!(window.fqPush && window.fqPush.live); }
  document.body.addEventListener("push:wall", function () { load(); });
  document.body.addEventListener("push:open", function (ev) { if (!ev.detail || !ev.detail.first) { load(); } });
  var ticks = 0, SLOW = 8;
  clock();
  setInterval(clock, 1000);
  initMap();
  load();
  setInterval(function () {
    ticks += 1;
    if (!pushLive() || ticks % SLOW === 0) { load(); }
  }, (parseInt(el.getAttribute("data-poll"), 10) || 15) * 1000);
})();
