// The call spoken aloud (browser speech synthesis, zh-CN): on the counter screen after 叫号/重呼, and on
// the waiting-room display when a new call appears (once the voice is switched on: browsers speak
// only after a click on the page). The text comes from data-* attributes rendered by the server.
(function () {
  "use strict";

  function speak(text) {
    if (!text) { return; }
    document.body.setAttribute("data-last-spoken", text);
    if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") { return; }
    var u = new SpeechSynthesisUtterance(text);
    u.lang = "zh-CN";
    u.rate = 0.9;
    // Said twice, as the desks do, so a resident who missed the first one hears it.
    window.speechSynthesis.speak(u);
    var again = new SpeechSynthesisUtterance(text);
    again.lang = "zh-CN";
    again.rate = 0.9;
    window.speechSynthesis.speak(again);
  }

  function counterPanel() {
    var panel = document.getElementById("counter-panel");
    if (!panel) { return; }
    var text = panel.getAttribute("data-speak");
    var key = panel.getAttribute("data-speak-key");
    if (!text || !key) { return; }
    if (panel.getAttribute("data-spoken") === key) { return; }
    panel.setAttribute("data-spoken", key);
    speak(text);
  }

  var display = { voice: false, lastKey: null };

  function displayPanel() {
    var body = document.querySelector("#display-panel .desk-display-body");
    if (!body) { return; }
    var key = body.getAttribute("data-latest-key") || "";
    if (display.lastKey === null) { display.lastKey = key; return; }  // first view: no replay of an old call
    if (key && key !== display.lastKey) {
      display.lastKey = key;
      if (display.voice) { speak(body.getAttribute("data-latest-speech")); }
      var latest = document.getElementById("latest-call");
      if (latest) { latest.classList.remove("flash"); void latest.offsetWidth; latest.classList.add("flash"); }
    }
  }

  function init() {
    counterPanel();
    displayPanel();
    var toggle = document.getElementById("voice-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        display.voice = !display.voice;
        toggle.textContent = display.voice ? toggle.getAttribute("data-on") : toggle.getAttribute("data-off");
        toggle.setAttribute("aria-pressed", display.voice ? "true" : "false");
        document.body.setAttribute("data-voice", display.voice ? "on" : "off");
      });
    }
    document.body.addEventListener("htmx:afterSwap", function () { counterPanel(); displayPanel(); });
    document.body.addEventListener("htmx:afterSettle", function () { counterPanel(); });
  }

  window.fengqiaoDesk = { speak: speak };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
