/* Camera streams in the browser: HLS with hls.js (native HLS where the browser has it), HTTP-FLV with
   mpegts.js, WebRTC by WHEP (POST an SDP offer, play the answer's tracks). The state goes to
   data-state on the <video> (and the caption) so people and tests can see what happened. */
(function () {
  "use strict";

  // Texts come from the figure's data-msg-* (translated by the template); `detail` is appended.
  var KEYS = { manifest: "connected", playing: "playing", error: "error", unsupported: "unsupported" };
  function state(video, detail, key) {
    video.setAttribute("data-state", key);
    var fig = video.closest("[data-player]");
    var out = fig && fig.querySelector("[data-player-state]");
    var text = (fig && fig.getAttribute("data-msg-" + KEYS[key])) || key;
    if (out) { out.textContent = detail ? text + ": " + detail : text; }
  }

  // A player's error code (hls.js "manifestLoadError", mpegts.js "NetworkError", a WHEP failure) is
  // kept in data-error for diagnosis; people read what it means for them (data-msg-why-* texts).
  function why(video, code) {
    var c = String(code || "");
    var kind = /network|load|timeout|http|connect|fetch|whep|failed/i.test(c)
      ? "network"
      : /pars|codec|format|media|buffer|unsupported/i.test(c) ? "format" : "other";
    var fig = video.closest("[data-player]");
    return (fig && fig.getAttribute("data-msg-why-" + kind)) || "";
  }

  function count(video, attr) {
    video.setAttribute(attr, String((parseInt(video.getAttribute(attr), 10) || 0) + 1));
  }

  function hls(video, url) {
    if (window.Hls && window.Hls.isSupported()) {
      var player = new window.Hls({ enableWorker: false, liveDurationInfinity: true });
      player.on(window.Hls.Events.MANIFEST_PARSED, function (e, data) {
        video.setAttribute("data-levels", String(data.levels.length));
        state(video, "", "manifest");
        video.play().catch(function () {});
      });
      player.on(window.Hls.Events.FRAG_LOADED, function () { count(video, "data-fragments"); });
      player.on(window.Hls.Events.FRAG_BUFFERED, function () { count(video, "data-buffered"); state(video, "", "playing"); });
      player.on(window.Hls.Events.ERROR, function (e, data) {
        video.setAttribute("data-error", data.details || "error");
        if (data.fatal) { state(video, why(video, data.details), "error"); }
      });
      player.loadSource(url);
      player.attachMedia(video);
      return;
    }
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
      video.addEventListener("loadedmetadata", function () { state(video, "", "playing"); });
      return;
    }
    state(video, "HLS", "unsupported");
  }

  function flv(video, url) {
    if (!(window.mpegts && window.mpegts.getFeatureList().mseLivePlayback)) { state(video, "FLV", "unsupported"); return; }
    var player = window.mpegts.createPlayer({ type: "flv", isLive: true, url: url }, { enableWorker: false, liveBufferLatencyChasing: true });
    player.on(window.mpegts.Events.ERROR, function (type, detail) { video.setAttribute("data-error", String(detail)); state(video, why(video, detail), "error"); });
    player.on(window.mpegts.Events.MEDIA_INFO, function () { state(video, "", "playing"); });
    player.attachMediaElement(video);
    player.load();
    player.play();
  }

  function whep(video, url) {
    if (!window.RTCPeerConnection) { state(video, "WebRTC", "unsupported"); return; }
    var pc = new RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    pc.ontrack = function (ev) { video.srcObject = ev.streams[0]; state(video, "", "playing"); };
    pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); }).then(function () {
      return fetch(url, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.text();
    }).then(function (sdp) { return pc.setRemoteDescription({ type: "answer", sdp: sdp }); })
      .catch(function (err) { video.setAttribute("data-error", String(err.message)); state(video, why(video, "whep " + err.message), "error"); });
  }

  function start() {
    document.querySelectorAll("video[data-stream-url]").forEach(function (video) {
      var url = video.getAttribute("data-stream-url"), kind = video.getAttribute("data-stream-kind");
      video.addEventListener("timeupdate", function () { video.setAttribute("data-time", video.currentTime.toFixed(2)); });
      if (kind === "hls") { hls(video, url); } else if (kind === "flv") { flv(video, url); } else if (kind === "webrtc") { whep(video, url); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
